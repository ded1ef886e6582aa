import {
  discoverOAuthServerInfo,
  extractResourceMetadataUrl,
  selectResourceURL,
} from "@modelcontextprotocol/sdk/client/auth.js";
import type { AuthorizationServerMetadata } from "@modelcontextprotocol/sdk/shared/auth.js";
import { AppError } from "@/lib/errors";
import { plainFetch } from "@/lib/http/plain-fetch";

export interface DiscoveredServer {
  authorizationServer: string;
  metadata: AuthorizationServerMetadata;
  /** The resource indicator (RFC 8707) to ask tokens for. */
  resource?: string;
  /** Scopes the server says it supports (RFC 9728), when it says. */
  scopesSupported?: string[];
}

/**
 * How to get tokens for an MCP server: its protected-resource metadata (RFC 9728), found from
 * the `WWW-Authenticate` of an unauthenticated request or at the well-known URI, names the
 * authorization server, whose metadata comes from RFC 8414 or OpenID Connect discovery.
 */
export async function discoverServer(serverUrl: string, name: string): Promise<DiscoveredServer> {
  const probe = await plainFetch(serverUrl, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 0, method: "ping" }),
    signal: AbortSignal.timeout(10_000),
  }).catch((err: Error) => {
    throw new AppError("unavailable", `${name} could not be reached at ${serverUrl}: ${err.message}.`);
  });
  const resourceMetadataUrl = probe.status === 401 ? extractResourceMetadataUrl(probe) : undefined;
  await probe.body?.cancel().catch(() => {});
  const info = await discoverOAuthServerInfo(serverUrl, { resourceMetadataUrl, fetchFn: plainFetch }).catch(
    (err: Error) => {
      throw new AppError("unavailable", `${name}'s sign-in could not be discovered: ${err.message}.`);
    },
  );
  if (!info.authorizationServerMetadata)
    throw new AppError(
      "unavailable",
      `${name}'s authorization server (${info.authorizationServerUrl}) publishes no OAuth metadata (RFC 8414 or OpenID Connect discovery), so it cannot be signed in to.`,
    );
  const resource = await selectResourceURL(serverUrl, {} as never, info.resourceMetadata).catch((err: Error) => {
    throw new AppError("unavailable", `${name}'s metadata does not describe this server: ${err.message}.`);
  });
  return {
    authorizationServer: info.authorizationServerUrl,
    metadata: info.authorizationServerMetadata,
    resource: resource?.href,
    scopesSupported: info.resourceMetadata?.scopes_supported,
  };
}
