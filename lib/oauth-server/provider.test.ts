import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type Provider from "oidc-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, useMigratedDatabase } from "@/test/support/database";
import { testKeyring } from "@/test/support/fixtures";
import { authorizationServer } from "./provider";

// The authorization server as configured for gateways, over HTTP, with the sign-in and consent
// step completed as the app's pages will complete it (the interaction's result).

const REDIRECT = "http://127.0.0.1:33418/callback";
const verifier = () => randomBytes(32).toString("base64url");
const challengeOf = (v: string) => createHash("sha256").update(v).digest("base64url");

describe.each(backends.slice(0, 1))("the app's authorization server, on $name", (backend) => {
  const t = useMigratedDatabase(backend);
  let provider: Provider;
  let origin = "";
  let server: http.Server;
  let gateway = "";

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      // Mounted under /oauth, as the app mounts it.
      if (!req.url?.startsWith("/oauth/")) {
        res.statusCode = 404;
        res.end();
        return;
      }
      (req as { originalUrl?: string }).originalUrl = req.url;
      req.url = req.url.slice("/oauth".length);
      provider.callback()(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    gateway = `${origin}/api/mcp/main`;
    provider = authorizationServer({
      db: t.db,
      keyring: testKeyring(),
      authSecret: "test-auth-secret-0123456789abcdef",
      origin,
      isGateway: async (resource) => resource === gateway || resource === `${origin}/api/mcp/other`,
      findPerson: async (id) => (id === "ada" ? { id, email: "ada@example.com", name: "Ada" } : undefined),
    });
  });
  afterAll(() => server?.close());

  /** Cookies a response sets, as a Cookie header for the next request. */
  const cookiesOf = (response: Response, jar: Map<string, string>) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [name, ...value] = (pair ?? "").split("=");
      if (name) jar.set(name.trim(), value.join("="));
    }
    return [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  };

  const registration = (redirectUris: string[]) =>
    fetch(`${origin}/oauth/reg`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_name: "Test client",
        redirect_uris: redirectUris,
        token_endpoint_auth_method: "none",
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
      }),
    });

  const register = async () => {
    const res = await registration([REDIRECT]);
    const answer = (await res.json()) as { client_id: string; registration_access_token?: string };
    expect(res.status).toBe(201);
    // No registration access token: registrations are not managed, so none is kept.
    expect(answer).not.toHaveProperty("registration_access_token");
    return answer.client_id;
  };

  /** An authorization request; its answer, not followed. */
  const authorize = (params: Record<string, string>, cookie = "") =>
    fetch(`${origin}/oauth/auth?${new URLSearchParams(params)}`, { redirect: "manual", headers: { cookie } });

  /** Signs `accountId` in and consents to the resource, as the app's pages do; the redirect back to the client. */
  async function signInAndConsent(clientId: string, params: Record<string, string>, accountId: string) {
    const jar = new Map<string, string>();
    const started = await authorize(params);
    expect(started.status).toBe(303);
    const cookie = cookiesOf(started, jar);
    const uid = (started.headers.get("location") ?? "").split("/").pop() as string;
    const interaction = await provider.Interaction.find(uid);
    if (!interaction) throw new Error("no interaction");
    const grant = new provider.Grant({ accountId, clientId });
    grant.addOIDCScope("mcp offline_access");
    grant.addResourceScope(params.resource as string, "mcp");
    interaction.result = { login: { accountId }, consent: { grantId: await grant.save() } };
    await interaction.save(60);
    const resumed = await fetch(new URL(interaction.returnTo, origin), { redirect: "manual", headers: { cookie } });
    expect(resumed.status).toBe(303);
    return new URL(resumed.headers.get("location") ?? "");
  }

  const token = (body: Record<string, string>) =>
    fetch(`${origin}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(body),
    }).then(async (r) => {
      const json = (await r.json()) as Record<string, string>;
      return { status: r.status, json };
    });

  /** The token request that exchanges a code for the gateway. */
  const exchangeOf = (clientId: string, code: string, v: string) => ({
    grant_type: "authorization_code",
    code,
    redirect_uri: REDIRECT,
    client_id: clientId,
    code_verifier: v,
    resource: gateway,
  });

  /** A client's authorization request for the gateway, with its PKCE challenge. */
  const requestFor = (clientId: string, v: string, extra: Record<string, string> = {}) => ({
    client_id: clientId,
    redirect_uri: REDIRECT,
    response_type: "code",
    scope: "mcp offline_access",
    code_challenge: challengeOf(v),
    code_challenge_method: "S256",
    resource: gateway,
    ...extra,
  });

  it("registers redirect URIs over https or to loopback only (found in review: plain http elsewhere was taken)", async () => {
    const refused = await registration(["http://evil.example/cb"]);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe("invalid_redirect_uri");
    expect((await registration(["https://client.example/cb"])).status).toBe(201);
    expect((await registration(["http://localhost:9999/cb"])).status).toBe(201);
  });

  it("publishes what MCP clients need to discover", async () => {
    const metadata = (await (await fetch(`${origin}/oauth/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(metadata).toMatchObject({
      issuer: `${origin}/oauth`,
      code_challenge_methods_supported: ["S256"],
      client_id_metadata_document_supported: true,
      authorization_response_iss_parameter_supported: true,
      registration_endpoint: `${origin}/oauth/reg`,
      revocation_endpoint: `${origin}/oauth/token/revocation`,
    });
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(["mcp", "offline_access"]));
  });

  it("a registered client signs a person in with PKCE and gets a token bound to one gateway; refresh rotates, and reuse revokes the family", async () => {
    const clientId = await register();
    const v = verifier();
    const params = requestFor(clientId, v, { state: "s-123", prompt: "consent" });
    const back = await signInAndConsent(clientId, params, "ada");
    expect(back.searchParams.get("state")).toBe("s-123");
    expect(back.searchParams.get("iss")).toBe(`${origin}/oauth`);
    const code = back.searchParams.get("code") as string;

    const exchange = exchangeOf(clientId, code, v);
    const issued = await token(exchange);
    expect(issued.status).toBe(200);
    expect(issued.json.token_type).toBe("Bearer");
    const access = await provider.AccessToken.find(issued.json.access_token as string);
    expect(access?.aud).toBe(gateway);
    expect(access?.accountId).toBe("ada");
    const refreshed = await token({
      grant_type: "refresh_token",
      refresh_token: issued.json.refresh_token as string,
      client_id: clientId,
      resource: gateway,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.refresh_token).not.toBe(issued.json.refresh_token);
    // The old refresh token used again: refused, and the new one with it.
    const reused = await token({
      grant_type: "refresh_token",
      refresh_token: issued.json.refresh_token as string,
      client_id: clientId,
    });
    expect(reused.json.error).toBe("invalid_grant");
    const after = await token({
      grant_type: "refresh_token",
      refresh_token: refreshed.json.refresh_token as string,
      client_id: clientId,
    });
    expect(after.json.error).toBe("invalid_grant");
  });

  it("a code works once, and a replayed code takes the tokens it gave", async () => {
    const clientId = await register();
    const v = verifier();
    const params = requestFor(clientId, v);
    const code = (await signInAndConsent(clientId, params, "ada")).searchParams.get("code") as string;
    const exchange = exchangeOf(clientId, code, v);
    // The wrong verifier is refused (PKCE).
    expect((await token({ ...exchange, code_verifier: verifier() })).json.error).toBe("invalid_grant");
    const fresh = (await signInAndConsent(clientId, params, "ada")).searchParams.get("code") as string;
    const issued = await token({ ...exchange, code: fresh });
    expect(issued.status).toBe(200);
    expect((await token({ ...exchange, code: fresh })).json.error).toBe("invalid_grant");
    expect(await provider.AccessToken.find(issued.json.access_token as string)).toBeUndefined();
  });

  it("refuses a plain or missing PKCE challenge, a resource that is no gateway, and a redirect URI it was not given", async () => {
    const clientId = await register();
    const base = {
      client_id: clientId,
      redirect_uri: REDIRECT,
      response_type: "code",
      scope: "mcp",
      resource: gateway,
      state: "s",
    };
    const errorOf = async (params: Record<string, string>) => {
      const res = await authorize(params);
      const location = res.headers.get("location");
      return location ? new URL(location, origin).searchParams.get("error") : `status ${res.status}`;
    };
    expect(await errorOf({ ...base, code_challenge: "x".repeat(43), code_challenge_method: "plain" })).toBe(
      "invalid_request",
    );
    expect(await errorOf(base)).toBe("invalid_request");
    const withPkce = { ...base, code_challenge: challengeOf(verifier()), code_challenge_method: "S256" };
    expect(await errorOf({ ...withPkce, resource: "https://elsewhere.example/api" })).toBe("invalid_target");
    // No gateway named, no token (found in review: a token without an audience).
    const { resource: _none, ...unnamed } = withPkce;
    expect(await errorOf(unnamed)).toBe("invalid_target");
    // A redirect URI it was not given is never redirected to.
    const wrong = await authorize({ ...withPkce, redirect_uri: "http://127.0.0.1:33418/other" });
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get("location")).toBeNull();
  });
});
