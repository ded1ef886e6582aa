/**
 * A bearer-protected MCP server behind a real OAuth 2.1 authorization server, for tests:
 *   - the authorization server is `oidc-provider` (certified), with dynamic client registration,
 *     PKCE, resource indicators (RFC 8707) issuing JWT access tokens whose audience is the MCP
 *     server, refresh tokens, and its development login and consent pages (any login name);
 *   - the MCP server (streamable HTTP at /mcp) answers 401 with `WWW-Authenticate` naming its
 *     protected-resource metadata (RFC 9728), verifies each token's signature, issuer and
 *     audience, and has a `whoami` tool that returns the token's subject.
 *
 *   node --import tsx test/servers/oauth-mcp-server.ts   (OAUTH_AS_PORT, OAUTH_MCP_PORT, OAUTH_TOKEN_TTL)
 */
import http from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { createRemoteJWKSet, jwtVerify } from "jose";
import Provider, { errors } from "oidc-provider";

export interface OAuthMcpOptions {
  asPort: number;
  mcpPort: number;
  /** Access token lifetime in seconds. */
  accessTokenTtl?: number;
  /** Open dynamic client registration (default true). */
  registration?: boolean;
  /** Pre-registered clients. */
  clients?: { client_id: string; client_secret?: string; redirect_uris: string[] }[];
}

export interface OAuthMcp {
  issuer: string;
  /** The MCP endpoint (also the resource indicator). */
  mcpUrl: string;
  /** Revokes every refresh token, so the next refresh fails. */
  revokeRefreshTokens(): Promise<void>;
  /** While on, the token endpoint takes requests and never answers (a stalling upstream). */
  hangTokenEndpoint(on: boolean): void;
  /** Requests the token endpoint received (hung ones included). */
  tokenRequests: number;
  /** Points the protected-resource metadata at another authorization server. */
  setAuthorizationServer(issuer: string): void;
  /** Subjects and audiences of the tokens the MCP server accepted, in order. */
  accepted: { sub: string; aud: string }[];
  close(): Promise<void>;
}

export async function startOAuthMcp(options: OAuthMcpOptions): Promise<OAuthMcp> {
  const issuer = `http://127.0.0.1:${options.asPort}`;
  const mcpUrl = `http://127.0.0.1:${options.mcpPort}/mcp`;
  const ttl = options.accessTokenTtl ?? 3600;
  const refreshTokens = new Set<string>();
  const provider = new Provider(issuer, {
    clients: (options.clients ?? []).map((c) => ({
      ...c,
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: c.client_secret ? "client_secret_basic" : "none",
    })),
    scopes: ["openid", "offline_access", "mcp"],
    cookies: { keys: ["oauth-test-cookie-key"] },
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    ttl: { AccessToken: ttl, RefreshToken: 24 * 3600, Grant: 24 * 3600, Session: 24 * 3600, Interaction: 3600 },
    features: {
      devInteractions: { enabled: true },
      registration: { enabled: options.registration ?? true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => mcpUrl,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          if (resource !== mcpUrl) throw new errors.InvalidTarget();
          return { scope: "mcp", audience: mcpUrl, accessTokenTTL: ttl, accessTokenFormat: "jwt" };
        },
      },
    },
  });
  provider.on("refresh_token.saved", (token: { jti: string }) => refreshTokens.add(token.jti));
  provider.on("server_error", (_ctx: unknown, err: Error) => console.error(`[oauth-as] ${err.message}`));
  let hang = false;
  let rejectSub: string | undefined;
  let tokenRequests = 0;
  const callback = provider.callback();
  const asServer = http.createServer((req, res) => {
    if (req.url?.startsWith("/token")) {
      tokenRequests++;
      if (hang) return;
    }
    callback(req, res);
  });
  asServer.listen(options.asPort, "127.0.0.1");
  await new Promise<void>((r) => asServer.once("listening", () => r()));

  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  const accepted: OAuthMcp["accepted"] = [];
  const metadataPath = "/.well-known/oauth-protected-resource/mcp";
  const metadata = {
    resource: mcpUrl,
    authorization_servers: [issuer],
    scopes_supported: ["mcp"],
    bearer_methods_supported: ["header"],
  };
  const mcpServer = http.createServer(async (req, res) => {
    // Test control (this server listens on loopback only): stall the token endpoint, refuse one
    // person's tokens (so the app refreshes them), and count token requests.
    if (req.url?.startsWith("/control")) {
      const q = new URL(req.url, "http://x").searchParams;
      if (q.has("hang")) hang = q.get("hang") === "1";
      if (q.has("reject")) rejectSub = q.get("reject") || undefined;
      if (q.has("as")) metadata.authorization_servers = [q.get("as") || issuer];
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ tokenRequests, hang, rejectSub }));
      return;
    }
    if (req.url === metadataPath) {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(metadata));
      return;
    }
    if (!req.url?.startsWith("/mcp")) {
      res.writeHead(404).end();
      return;
    }
    const challenge = `Bearer resource_metadata="http://127.0.0.1:${options.mcpPort}${metadataPath}"`;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    let sub: string;
    try {
      if (!token) throw new Error("no token");
      const { payload } = await jwtVerify(token, jwks, { issuer, audience: mcpUrl });
      sub = String(payload.sub);
      if (sub === rejectSub) throw new Error("refused by the test");
      accepted.push({ sub, aud: String(payload.aud) });
    } catch {
      res
        .writeHead(401, {
          "www-authenticate": `${challenge}, error="invalid_token"`,
          "content-type": "application/json",
        })
        .end(JSON.stringify({ error: "invalid_token" }));
      return;
    }
    const server = new McpServer({ name: "oauth-test-server", version: "1.0.0" });
    server.registerTool("whoami", { description: "Who the access token belongs to." }, async () => ({
      content: [{ type: "text", text: sub }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => void server.close());
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  mcpServer.listen(options.mcpPort, "127.0.0.1");
  await new Promise<void>((r) => mcpServer.once("listening", () => r()));

  return {
    issuer,
    mcpUrl,
    accepted,
    hangTokenEndpoint(on) {
      hang = on;
    },
    get tokenRequests() {
      return tokenRequests;
    },
    setAuthorizationServer(other) {
      metadata.authorization_servers = [other];
    },
    async revokeRefreshTokens() {
      for (const jti of refreshTokens) await (await provider.RefreshToken.find(jti))?.destroy();
      refreshTokens.clear();
    },
    close: () =>
      Promise.all(
        [asServer, mcpServer].map(
          (s) =>
            new Promise<void>((r) => {
              s.close(() => r());
              s.closeAllConnections();
            }),
        ),
      ).then(() => {}),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = await startOAuthMcp({
    asPort: Number(process.env.OAUTH_AS_PORT ?? 3160),
    mcpPort: Number(process.env.OAUTH_MCP_PORT ?? 3161),
    accessTokenTtl: Number(process.env.OAUTH_TOKEN_TTL ?? 3600),
  });
  console.log(`authorization server ${started.issuer}, MCP server ${started.mcpUrl}`);
}
