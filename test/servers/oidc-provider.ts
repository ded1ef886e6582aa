/**
 * A real OpenID Connect provider (the certified `oidc-provider` package) for tests.
 * Its development login form accepts any login name; the account's email is
 * `<login>@sso.example.com`, verified. A login of the form `unverified:<email>` is an account
 * that merely claims `<email>`: the provider sends no `email_verified` claim for it (as many
 * providers do for addresses they never checked).
 *
 *   node --import tsx test/servers/oidc-provider.ts   (OIDC_PORT, OIDC_REDIRECT_URIS)
 */
import Provider from "oidc-provider";

export interface TestOidcOptions {
  port: number;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export async function startOidcProvider(options: TestOidcOptions): Promise<{ issuer: string; close(): Promise<void> }> {
  const issuer = `http://127.0.0.1:${options.port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    cookies: { keys: ["test-only-cookie-key"] },
    findAccount: async (_ctx, id) => ({
      accountId: id,
      claims: async () =>
        id.startsWith("unverified:")
          ? { sub: id, email: id.slice("unverified:".length), name: `Unverified ${id}` }
          : { sub: id, email: `${id}@sso.example.com`, email_verified: true, name: `SSO ${id}` },
    }),
    features: { devInteractions: { enabled: true } },
  });
  const report =
    (event: string) => (_ctx: unknown, err: Error & { error_description?: string; error_detail?: string }) =>
      console.error(
        `[oidc-provider] ${event}: ${err.message} ${err.error_description ?? ""} ${err.error_detail ?? ""}`,
      );
  provider.on("grant.error", report("grant.error"));
  provider.on("server_error", report("server_error"));
  provider.on("authorization.error", report("authorization.error"));
  if (process.env.OIDC_DEBUG) {
    provider.use(async (ctx, next) => {
      await next();
      console.error(
        `[oidc-provider] ${ctx.method} ${ctx.url} -> ${ctx.status} ${ctx.oidc?.params?.redirect_uri ?? ""}`,
      );
    });
  }
  const server = provider.listen(options.port, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  return {
    issuer,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.OIDC_PORT ?? 3150);
  const { issuer } = await startOidcProvider({
    port,
    clientId: process.env.OIDC_CLIENT_ID ?? "mcp-orchestrator",
    clientSecret: process.env.OIDC_CLIENT_SECRET ?? "test-client-secret",
    redirectUris: (process.env.OIDC_REDIRECT_URIS ?? "").split(",").filter(Boolean),
  });
  console.log(`test OpenID Connect provider at ${issuer}`);
}
