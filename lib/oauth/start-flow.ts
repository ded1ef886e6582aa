import { randomBytes } from "node:crypto";
import { startAuthorization } from "@modelcontextprotocol/sdk/client/auth.js";
import type { Database } from "@/db";
import type { Actor } from "@/lib/auth/actor";
import { checkInstallScope } from "@/lib/credentials/install-credential";
import { type Keyring, oauthStateContext, sealJson } from "@/lib/crypto";
import { AppError, notFound } from "@/lib/errors";
import { findCatalogItem } from "@/lib/registry/create-catalog-item";
import { oauthClient } from "./client-registration";
import { discoverServer } from "./discover";
import { checkPinnedEndpoints, endpointsOf } from "./pin-endpoints";

export const STATE_TTL_MS = 10 * 60 * 1000;

/** What a flow keeps between its start and its callback, sealed and bound to its state and person. */
export interface FlowPayload {
  codeVerifier: string;
  authorizationServer: string;
  metadata: Record<string, unknown>;
  clientId: string;
  resource?: string;
}

export const callbackUrl = (origin: string) => `${origin}/api/oauth/callback`;

/**
 * Starts connecting a person (or a team they administer) to an OAuth-protected server:
 * discovery, the app's client (configured or registered), PKCE (S256), the resource indicator,
 * and a single-use state bound to the person that expires in ten minutes. Returns the
 * authorization server's URL to send the browser to.
 */
export async function startOAuthFlow(
  db: Database,
  keyring: Keyring,
  actor: Actor,
  slug: string,
  data: { scope: "personal" | "team"; teamId?: string },
  origin: string,
): Promise<string> {
  const item = await findCatalogItem(db, slug);
  if (!item) throw notFound("Server");
  if (item.kind !== "remote" || item.auth_kind !== "oauth" || !item.url)
    throw new AppError("bad_request", `${item.name} is not connected by signing in (OAuth).`);
  await checkInstallScope(db, actor, data);
  const server = await discoverServer(item.url, item.name);
  await checkPinnedEndpoints(db, item, endpointsOf(server.authorizationServer, server.metadata));
  const redirectUri = callbackUrl(origin);
  const client = await oauthClient(db, keyring, item, server, redirectUri);
  const configuredScopes = item.auth_config.scopes as string[] | undefined;
  const scope = (configuredScopes?.length ? configuredScopes : server.scopesSupported)?.join(" ") || undefined;
  const state = randomBytes(32).toString("base64url");
  const { authorizationUrl, codeVerifier } = await startAuthorization(server.authorizationServer, {
    metadata: server.metadata,
    clientInformation: client,
    redirectUrl: redirectUri,
    scope,
    state,
    resource: server.resource ? new URL(server.resource) : undefined,
  }).catch((err: Error) => {
    throw new AppError("unavailable", `${item.name}'s authorization server cannot be used: ${err.message}`);
  });
  const payload: FlowPayload = {
    codeVerifier,
    authorizationServer: server.authorizationServer,
    metadata: server.metadata as Record<string, unknown>,
    clientId: client.client_id,
    resource: server.resource,
  };
  await db
    .insertInto("oauth_states")
    .values({
      state,
      user_id: actor.id,
      catalog_item_id: item.id,
      credential_scope: data.scope,
      owner_team_id: data.scope === "team" ? (data.teamId ?? null) : null,
      redirect_uri: redirectUri,
      sealed_payload: sealJson(keyring, payload, oauthStateContext({ state, user_id: actor.id })),
      expires_at: new Date(Date.now() + STATE_TTL_MS),
    })
    .execute();
  return authorizationUrl.href;
}
