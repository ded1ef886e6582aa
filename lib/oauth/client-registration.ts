import { registerClient } from "@modelcontextprotocol/sdk/client/auth.js";
import type { OAuthClientInformation } from "@modelcontextprotocol/sdk/shared/auth.js";
import { sql } from "kysely";
import type { Database } from "@/db";
import { catalogConfigContext, type Keyring, open } from "@/lib/crypto";
import { AppError } from "@/lib/errors";
import { EgressRefusedError, OutboundError, outboundFetch } from "@/lib/http/outbound";
import type { DiscoveredServer } from "./discover";

type OAuthItem = {
  id: string;
  name: string;
  auth_config: Record<string, unknown>;
  sealed_config: string | null;
};

type Registration = { clientId: string; authorizationServer: string; redirectUri: string };

/**
 * The OAuth client this app is at a server's authorization server: the client id (and secret)
 * an admin configured in the catalog, or else one registered dynamically (RFC 7591) as a public
 * client with PKCE, remembered per authorization server and redirect URI.
 */
export async function oauthClient(
  db: Database,
  keyring: Keyring,
  item: OAuthItem,
  server: DiscoveredServer,
  redirectUri: string,
): Promise<OAuthClientInformation> {
  const { authorizationServer, metadata } = server;
  const configured = configuredClient(keyring, item);
  if (configured) return configured;
  const registered = (item.auth_config.registrations as Registration[] | undefined)?.find(
    (r) => r.authorizationServer === authorizationServer && r.redirectUri === redirectUri,
  );
  if (registered) return { client_id: registered.clientId };
  if (!metadata.registration_endpoint)
    throw new AppError(
      "unavailable",
      `${item.name}'s authorization server does not offer dynamic client registration. An admin must register this app there (redirect URI ${redirectUri}) and enter the client id, and secret if any, in the catalog entry.`,
    );
  const client = await registerClient(authorizationServer, {
    metadata,
    clientMetadata: {
      client_name: "MCP Orchestrator",
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    },
    fetchFn: outboundFetch({ policy: server.policy }),
  }).catch((err: Error) => {
    throw new AppError(
      "unavailable",
      err instanceof EgressRefusedError || err instanceof OutboundError
        ? `This app could not register with ${item.name}'s authorization server: ${err.message}`
        : `${item.name}'s authorization server refused to register this app: ${err.message}`,
    );
  });
  const registration: Registration = { clientId: client.client_id, authorizationServer, redirectUri };
  await db
    .updateTable("catalog_items")
    .set({
      auth_config: sql`jsonb_set(auth_config, '{registrations}', coalesce(auth_config->'registrations', '[]'::jsonb) || ${JSON.stringify([registration])}::jsonb)`,
    })
    .where("id", "=", item.id)
    .execute();
  return { client_id: client.client_id };
}

/** The client an admin configured for the server, if any (its secret sealed in the catalog). */
export function configuredClient(keyring: Keyring, item: OAuthItem): OAuthClientInformation | null {
  const clientId = item.auth_config.clientId;
  if (typeof clientId !== "string" || !clientId) return null;
  return {
    client_id: clientId,
    ...(item.sealed_config ? { client_secret: open(keyring, item.sealed_config, catalogConfigContext(item)) } : {}),
  };
}

/** The client information to refresh tokens with: the configured client, or the registered id. */
export function clientForRefresh(keyring: Keyring, item: OAuthItem, clientId: string): OAuthClientInformation {
  const configured = configuredClient(keyring, item);
  return configured?.client_id === clientId ? configured : { client_id: clientId };
}
