import {
  discoverOAuthProtectedResourceMetadata,
  extractResourceMetadataUrl,
  selectResourceURL,
} from "@modelcontextprotocol/sdk/client/auth.js";
import type {
  AuthorizationServerMetadata,
  OAuthProtectedResourceMetadata,
} from "@modelcontextprotocol/sdk/shared/auth.js";
import * as o from "oauth4webapi";
import { AppError } from "@/lib/errors";
import type { EgressPolicy } from "@/lib/http/egress-policy";
import { EgressRefusedError, egressPolicyFor, OutboundError, outboundFetch } from "@/lib/http/outbound";

export interface DiscoveredServer {
  authorizationServer: string;
  metadata: AuthorizationServerMetadata;
  /** The resource indicator (RFC 8707) to ask tokens for. */
  resource?: string;
  /** Scopes the server says it supports (RFC 9728), when it says. */
  scopesSupported?: string[];
  /** The egress rule for this server's handed-over URLs (its catalog URL decides). */
  policy: EgressPolicy;
}

/** Options for oauth4webapi: our outbound client, and http allowed only when the catalog URL is http. */
export function oauthRequestOptions(fetchFn: typeof fetch, serverUrl: string) {
  return {
    [o.customFetch]: fetchFn,
    [o.allowInsecureRequests]: new URL(serverUrl).protocol === "http:",
  };
}

/** An error on the way that a person should read as is (egress refusals, timeouts). */
const passOn = (err: unknown) => err instanceof EgressRefusedError || err instanceof OutboundError;

/**
 * How to get tokens for an MCP server: its protected-resource metadata (RFC 9728), found from
 * the `WWW-Authenticate` of an unauthenticated request or at the well-known URI, names the
 * authorization server, whose metadata comes from RFC 8414 or OpenID Connect discovery and must
 * name that same server as its `issuer` (RFC 8414 §3.3, checked by oauth4webapi). Every URL
 * the upstream hands over is fetched by the outbound client under the egress rule.
 */
export async function discoverServer(serverUrl: string, name: string): Promise<DiscoveredServer> {
  const policy = await egressPolicyFor(serverUrl);
  const fetchFn = outboundFetch({ policy });
  const probe = await outboundFetch({ policy, headersOnly: true })(serverUrl, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 0, method: "ping" }),
  }).catch((err: Error) => {
    throw new AppError("unavailable", `${name} could not be reached at ${serverUrl}: ${err.message}`);
  });
  const resourceMetadataUrl = probe.status === 401 ? extractResourceMetadataUrl(probe) : undefined;
  let resourceMetadata: OAuthProtectedResourceMetadata | undefined;
  try {
    resourceMetadata = await discoverOAuthProtectedResourceMetadata(serverUrl, { resourceMetadataUrl }, fetchFn);
  } catch (err) {
    if (passOn(err))
      throw new AppError("unavailable", `${name}'s sign-in could not be discovered: ${(err as Error).message}`);
    // No RFC 9728 metadata: the server's own origin is its authorization server (older MCP servers).
  }
  const authorizationServer = resourceMetadata?.authorization_servers?.[0] ?? new URL("/", serverUrl).href;
  const metadata = await authorizationServerMetadata(authorizationServer, serverUrl, name, fetchFn);
  const resource = await selectResourceURL(serverUrl, {} as never, resourceMetadata).catch((err: Error) => {
    throw new AppError("unavailable", `${name}'s metadata does not describe this server: ${err.message}.`);
  });
  if (new URL(serverUrl).protocol === "https:") {
    for (const key of ["authorization_endpoint", "token_endpoint", "registration_endpoint"] as const) {
      const at = metadata[key];
      if (at && new URL(at).protocol !== "https:")
        throw new AppError(
          "unavailable",
          `${name}'s authorization server names a plain-http ${key.replace("_", " ")} (${at}); this app signs in over https only for a server at an https address.`,
        );
    }
  }
  return {
    authorizationServer,
    metadata,
    resource: resource?.href,
    scopesSupported: resourceMetadata?.scopes_supported,
    policy,
  };
}

/** RFC 8414 metadata first, then OpenID Connect discovery; the issuer must be the one asked for. */
async function authorizationServerMetadata(
  authorizationServer: string,
  serverUrl: string,
  name: string,
  fetchFn: typeof fetch,
): Promise<AuthorizationServerMetadata> {
  const issuer = new URL(authorizationServer);
  const options = oauthRequestOptions(fetchFn, serverUrl);
  for (const algorithm of ["oauth2", "oidc"] as const) {
    let response: Response;
    try {
      response = await o.discoveryRequest(issuer, { ...options, algorithm });
    } catch (err) {
      throw new AppError(
        "unavailable",
        `${name}'s authorization server (${authorizationServer}) could not be asked for its metadata: ${(err as Error).message}`,
      );
    }
    if (response.status === 404) continue;
    try {
      return (await o.processDiscoveryResponse(issuer, response)) as unknown as AuthorizationServerMetadata;
    } catch (err) {
      const body = (err as { cause?: { body?: { issuer?: unknown }; attribute?: string } }).cause;
      if (body?.attribute === "issuer")
        throw new AppError(
          "unavailable",
          `${name}'s authorization server metadata names issuer ${String(body.body?.issuer)}, not ${authorizationServer} where it was found (RFC 8414). The app does not sign in with it: this is how mix-up attacks look.`,
        );
      throw new AppError(
        "unavailable",
        `${name}'s authorization server (${authorizationServer}) published metadata this app cannot use: ${(err as Error).message}.`,
      );
    }
  }
  throw new AppError(
    "unavailable",
    `${name}'s authorization server (${authorizationServer}) publishes no OAuth metadata (RFC 8414 or OpenID Connect discovery), so it cannot be signed in to.`,
  );
}
