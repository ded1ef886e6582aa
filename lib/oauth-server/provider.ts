import { createHmac, createPrivateKey, hkdfSync } from "node:crypto";
import Provider, { type Configuration, errors } from "oidc-provider";
import type { Database } from "@/db";
import type { Keyring } from "@/lib/crypto";
import { type EgressAllow, NO_EXCEPTIONS } from "@/lib/http/egress-policy";
import { outboundFetch } from "@/lib/http/outbound";
import { storageAdapter } from "./storage-adapter";

/**
 * The app as the OAuth 2.1 authorization server of its gateways, so that MCP clients connect
 * with a browser sign-in instead of a pasted token. The protocol is oidc-provider's (a certified
 * server); this module only configures it:
 *
 * - records in the app's database (storage-adapter.ts), so any replica serves any step;
 * - PKCE with S256 on every authorization (plain is refused);
 * - clients identified by an https client ID metadata document (fetched with the app's hardened
 *   outbound client: public addresses only unless ARCHESTRA_EGRESS_ALLOW says otherwise, a
 *   timeout and a size cap), or registered dynamically (RFC 7591);
 * - access tokens bound to one gateway (RFC 8707 `resource`, the gateway's URL as audience),
 *   short-lived and opaque (stored hashed); refresh tokens rotate, and a reused one revokes its
 *   grant;
 * - `iss` in authorization responses, revocation (RFC 7009).
 *
 * The sign-in and consent steps (interactions) are the app's own pages.
 */

/** The one scope a gateway's tokens carry, and the one for refresh tokens. */
export const GATEWAY_SCOPE = "mcp";
export const ACCESS_TOKEN_TTL_SECONDS = 10 * 60;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 86_400;
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);
/** The largest client ID metadata document fetched. */
export const MAX_METADATA_DOCUMENT_BYTES = 64 * 1024;

export interface AuthorizationServerOptions {
  db: Database;
  keyring: Keyring;
  /** The app's own secret: cookie keys and the signing key derive from it, the same on every replica. */
  authSecret: string;
  /** The app's public origin; the issuer is `<origin>/oauth`. */
  origin: string;
  /** Whether a resource indicator names a gateway of this app (its `/api/mcp/<slug>` URL). */
  isGateway(resource: string): Promise<boolean>;
  /** Private addresses a client ID metadata document may be fetched from (tests); none by default. */
  clientMetadataEgress?: EgressAllow;
  /** The person an account id names, if they may still sign in. */
  findPerson(id: string): Promise<{ id: string; email: string; name: string } | undefined>;
}

/**
 * A signing key derived from the app's secret (Ed25519 from an HKDF seed), so every replica
 * signs and publishes the same key without storing one. Access tokens are opaque; the key signs
 * only what oidc-provider signs on its own account.
 */
function signingJwk(authSecret: string) {
  const seed = Buffer.from(hkdfSync("sha256", authSecret, "mcp-orchestrator", "oauth-server signing key v1", 32));
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  const jwk = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }).export({ format: "jwk" });
  return {
    ...jwk,
    alg: "EdDSA",
    use: "sig",
    kid: createHmac("sha256", seed).update("kid").digest("base64url").slice(0, 16),
  };
}

export function authorizationServer(options: AuthorizationServerOptions): Provider {
  const { db, keyring } = options;
  const cookieKey = createHmac("sha256", options.authSecret).update("oauth-server cookies").digest("base64url");
  const configuration: Configuration = {
    adapter: (name: string) => storageAdapter(db, keyring, name),
    jwks: { keys: [signingJwk(options.authSecret) as never] },
    cookies: { keys: [cookieKey] },
    scopes: [GATEWAY_SCOPE, "offline_access"],
    claims: { openid: ["sub"] },
    pkce: { required: () => true },
    responseTypes: ["code"],
    clientDefaults: {
      grant_types: ["authorization_code", "refresh_token"],
      token_endpoint_auth_method: "none",
      id_token_signed_response_alg: "EdDSA",
    },
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_SECONDS,
      AuthorizationCode: 60,
      Interaction: 10 * 60,
      Session: 14 * 86_400,
      Grant: 365 * 86_400,
      RefreshToken: REFRESH_TOKEN_TTL_SECONDS,
    },
    // Every refresh rotates; a refresh token used twice revokes its grant (oidc-provider does).
    rotateRefreshToken: () => true,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    // Anyone may name a metadata document: it is fetched from public addresses only (the
    // admin's egress exceptions are for servers they chose), and its redirects are not followed.
    fetch: outboundFetch({
      policy: { ceiling: "public", allow: options.clientMetadataEgress ?? NO_EXCEPTIONS },
      maxBodyBytes: MAX_METADATA_DOCUMENT_BYTES,
    }) as never,
    features: {
      devInteractions: { enabled: false },
      // Registration without management: no registration access token (a row nobody needs).
      registration: { enabled: true, issueRegistrationAccessToken: false },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      revocation: { enabled: true },
      clientIdMetadataDocument: { enabled: true, ack: "draft-02" },
      resourceIndicators: {
        enabled: true,
        // A token is for one gateway: the client must name it (no token without an audience).
        defaultResource: () => {
          throw new errors.InvalidTarget("name the gateway to use with the resource parameter");
        },
        useGrantedResource: () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          if (!(await options.isGateway(resource)))
            throw new errors.InvalidTarget("the resource is not a gateway of this app");
          return {
            scope: GATEWAY_SCOPE,
            audience: resource,
            accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
            accessTokenFormat: "opaque",
          };
        },
      },
    },
    // Redirect URIs over plain http only to the person's own machine (OAuth 2.1): checked for
    // registrations and metadata documents alike, through the hook oidc-provider runs on both.
    extraClientMetadata: {
      properties: ["software_id"],
      validator: (_ctx, key, _value, metadata) => {
        if (key !== "software_id") return;
        for (const uri of (metadata.redirect_uris as string[] | undefined) ?? []) {
          const url = URL.parse(uri);
          if (url?.protocol === "http:" && !LOOPBACK_HOSTS.has(url.hostname))
            throw new errors.InvalidRedirectUri("redirect_uris over http must be on a loopback address");
        }
      },
    },
    interactions: { url: (_ctx, interaction) => `/oauth/interaction/${interaction.uid}` },
    findAccount: async (_ctx, id) => {
      const person = await options.findPerson(id);
      return person ? { accountId: person.id, claims: () => ({ sub: person.id }) } : undefined;
    },
  };
  const provider = new Provider(`${options.origin}/oauth`, configuration);
  // Behind the app's own proxy rules (ARCHESTRA_TRUSTED_PROXIES decide the origin above).
  provider.proxy = true;
  return provider;
}
