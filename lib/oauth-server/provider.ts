import { createHmac, createPrivateKey, hkdfSync } from "node:crypto";
import Provider, { type Configuration, errors, interactionPolicy } from "oidc-provider";
import type { Database } from "@/db";
import type { Keyring } from "@/lib/crypto";
import { type EgressAllow, NO_EXCEPTIONS } from "@/lib/http/egress-policy";
import { outboundFetch } from "@/lib/http/outbound";
import { GATEWAY_SCOPE } from "./scope";
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
 * The issuer is the app's origin, so clients that look for `/.well-known/oauth-authorization-server`
 * at the origin (as MCP's 2025-03-26 revision told them to) find it; the endpoints live under
 * `/oauth/`. The sign-in and consent step is the app's own page (`/oauth/interaction/<uid>`):
 * every authorization passes it, so the app's session decides who signs in (a sign-out there
 * ends the next authorization's shortcut), and a remembered consent is per client and gateway.
 */

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
  /** The app's public origin, and the issuer. */
  origin: string;
  /** Whether a resource indicator is spelled as a gateway URL of this app (its `/api/mcp/<slug>`). */
  isGateway(resource: string): Promise<boolean>;
  /** Private addresses a client ID metadata document may be fetched from (tests); none by default. */
  clientMetadataEgress?: EgressAllow;
  /** The person an account id names, if they may still sign in. */
  findPerson(id: string): Promise<{ id: string; email: string; name: string } | undefined>;
  /** Whether a metadata document may be fetched now for this request (a rate limit); default yes. */
  allowMetadataFetch?(ip: string): boolean;
}

/** Where each endpoint lives (under `/oauth/`, beside the app's own pages). */
export const OAUTH_ROUTES = {
  authorization: "/oauth/authorize",
  token: "/oauth/token",
  registration: "/oauth/register",
  revocation: "/oauth/revoke",
  jwks: "/oauth/jwks",
  pushed_authorization_request: "/oauth/par",
  end_session: "/oauth/end-session",
  userinfo: "/oauth/userinfo",
  introspection: "/oauth/introspect",
  code_verification: "/oauth/device",
  device_authorization: "/oauth/device/auth",
  backchannel_authentication: "/oauth/backchannel",
  challenge: "/oauth/challenge",
  credential: "/oauth/credential",
} as const;

/**
 * Sign-in is always asked of the app's page, which answers at once for a person already signed
 * in to the app: the app's session, not the authorization server's own, says who is there.
 */
function policy() {
  const prompts = interactionPolicy.base();
  prompts
    .get("login")
    ?.checks.add(
      new interactionPolicy.Check("app_session", "sign in through the app", (ctx) =>
        ctx.oidc.result?.login ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT,
      ),
    );
  return prompts;
}

/**
 * RFC 8252 section 7.3: a loopback redirect URI over http may come back on another port (a
 * native client listens on whatever port is free). oidc-provider allows it for clients that
 * registered as native; a client that registered a loopback http redirect is one, whatever it said.
 */
export function loopbackPortVaries(value: string, registered: readonly string[]): boolean {
  const withoutPort = (uri: string) => {
    const url = URL.parse(uri);
    if (url?.protocol !== "http:" || (url.hostname !== "127.0.0.1" && url.hostname !== "[::1]")) return null;
    if (url.username || url.password) return null;
    url.port = "";
    return url.href;
  };
  const wanted = withoutPort(value);
  return wanted !== null && registered.some((uri) => withoutPort(uri) === wanted);
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

/** How many authorizations one browser may have under way at once (each names its own uid). */
const BOUND_PER_BROWSER = 5;

/**
 * The cookie naming the authorizations a browser started, which the consent page and its answer
 * require. Scoped to the whole app (so the page rendered within the sign-in request sees it too),
 * and on https a `__Host-` cookie: no sibling subdomain and no plain-http answer can plant one,
 * so an attacker cannot make a victim's browser look like the one that started his request.
 */
export function bindingCookie(origin: string) {
  const secure = origin.startsWith("https:");
  const name = secure ? "__Host-mcpo-authorizations" : "mcpo-authorizations";
  return {
    name,
    set: (uids: string[]) =>
      `${name}=${uids.slice(0, BOUND_PER_BROWSER).join(".")}; Path=/; Max-Age=600; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`,
  };
}

/** The uids a binding cookie holds, from a Cookie header. */
export function readCookie(header: string | undefined | null, name: string): string[] {
  for (const part of (header ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name)
      return value
        .join("=")
        .split(".")
        .filter((uid) => /^[\w-]{1,64}$/.test(uid));
  }
  return [];
}

/** A redirect to the person's own machine over http (where a native client listens). */
const isLoopbackRedirect = (url: URL) => url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname);

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** What a browser sees when an authorization cannot go back to its client (no redirect URI to trust). */
function errorPage(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in could not start</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Sign-in could not start</h1><p>${escapeHtml(message)}</p>
<p>Go back to the app you were connecting and try again. If it keeps happening, tell the app's maker what this page says.</p></main></body></html>`;
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
    routes: OAUTH_ROUTES,
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
      // Its own session only carries one authorization to its end (sign-in is the app's).
      Session: 10 * 60,
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
      clientIdMetadataDocument: {
        enabled: true,
        ack: "draft-02",
        // The consent page looks clients up outside a request of the server's (no ctx): a
        // signed-in person's page, not limited here.
        allowFetch: async (ctx) => (ctx ? (options.allowMetadataFetch?.(ctx.ip) ?? true) : true),
      },
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
        // Anyone may register, and registrations are kept: what one holds is bounded.
        if (String(metadata.client_name ?? "").length > 200)
          throw new errors.InvalidClientMetadata("client_name must be at most 200 characters");
        const uris = [metadata.client_uri, metadata.logo_uri, metadata.policy_uri, metadata.tos_uri].filter(Boolean);
        const redirects = (metadata.redirect_uris as string[] | undefined) ?? [];
        if (redirects.length > 10) throw new errors.InvalidRedirectUri("at most 10 redirect_uris");
        if ([...uris, ...redirects].some((uri) => String(uri).length > 2000))
          throw new errors.InvalidClientMetadata("URIs must be at most 2000 characters");
        for (const uri of redirects) {
          const url = URL.parse(uri);
          if (url?.protocol === "http:" && !LOOPBACK_HOSTS.has(url.hostname))
            throw new errors.InvalidRedirectUri("redirect_uris over http must be on a loopback address");
        }
      },
    },
    interactions: { policy: policy(), url: (_ctx, interaction) => `/oauth/interaction/${interaction.uid}` },
    // The grant is the one the app's page names (a remembered consent for this client and gateway,
    // or the one just given), never another gateway's grant from the same browser.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    renderError: async (ctx, out) => {
      ctx.type = "html";
      ctx.body = errorPage(out.error_description ?? out.error ?? "The request could not be completed.");
    },
    findAccount: async (_ctx, id) => {
      const person = await options.findPerson(id);
      return person ? { accountId: person.id, claims: () => ({ sub: person.id }) } : undefined;
    },
  };
  const provider = new Provider(options.origin, configuration);
  // An error found before the person is asked goes back to the client only on loopback (a native
  // app's own machine): anyone may register a redirect URI, and an authorization request that
  // sends a browser straight on to it would make this app an open redirector (RFC 9700 4.11.2).
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== "authorization") return;
    const location =
      ctx.status >= 300 && ctx.status < 400 ? URL.parse(ctx.response.get("Location"), options.origin) : null;
    const formPost = !location && String(ctx.oidc.params?.response_mode ?? "").startsWith("form_post");
    const leaving = formPost || (location !== null && location.origin !== new URL(options.origin).origin);
    const target = location ?? URL.parse(String(ctx.oidc.params?.redirect_uri ?? ""));
    if (!leaving || (target && isLoopbackRedirect(target))) return;
    const reason = location?.searchParams.get("error_description") ?? location?.searchParams.get("error");
    ctx.status = 400;
    ctx.remove("Location");
    ctx.type = "html";
    ctx.body = errorPage(reason ?? "The authorization request is not valid.");
  });
  // The browser that starts an authorization is the one that may answer it (interaction.ts).
  const binding = bindingCookie(options.origin);
  provider.on("interaction.started", (ctx) => {
    const held = readCookie(ctx.get("cookie"), binding.name);
    ctx.append("Set-Cookie", binding.set([ctx.oidc.entities.Interaction?.uid ?? "", ...held].filter(Boolean)));
  });
  // The app server believes X-Forwarded-* only from ARCHESTRA_TRUSTED_PROXIES (it removes them
  // from anyone else), so what reaches here may be trusted.
  provider.proxy = true;
  const client = provider.Client.prototype as unknown as {
    redirectUriAllowed(value: string): boolean;
    redirectUris: readonly string[];
  };
  const exact = client.redirectUriAllowed;
  client.redirectUriAllowed = function (value) {
    return exact.call(this, value) || loopbackPortVaries(value, this.redirectUris);
  };
  return provider;
}
