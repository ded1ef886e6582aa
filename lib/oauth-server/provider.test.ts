import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type Provider from "oidc-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/lib/auth/actor";
import { createGateway } from "@/lib/gateway/create-gateway";
import { userViewer } from "@/lib/gateway/gateway-access";
import { gatewaySlugOf, gatewayUrl } from "@/lib/gateway/gateway-url";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { makeUser, testKeyring } from "@/test/support/fixtures";
import { createTeam } from "@/lib/teams/create-team";
import { answerAuthorization, pendingAuthorization } from "./interaction";
import { authorizationServer, bindingCookie, loopbackPortVaries } from "./provider";

// The authorization server as configured for gateways, over HTTP, with the sign-in and consent
// step answered as the app's page answers it (interaction.ts), for real people and gateways.

const REDIRECT = "http://127.0.0.1:33418/callback";
const verifier = () => randomBytes(32).toString("base64url");
const challengeOf = (v: string) => createHash("sha256").update(v).digest("base64url");

describe.each(backends.slice(0, 1))("the app's authorization server, on $name", (backend) => {
  const t = useMigratedDatabase(backend);
  let provider: Provider;
  let origin = "";
  let server: http.Server;
  let gateway = "";

  let ada: Actor;
  let outsider: Actor;
  let otherGateway = "";

  beforeAll(async () => {
    server = http.createServer((req, res) => provider.callback()(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ada = await makeUser(t.db, "member", "ada");
    outsider = await makeUser(t.db, "member", "outsider");
    const admin = await makeUser(t.db, "admin");
    const viewer = await userViewer(t.db, admin);
    const main = await createGateway(t.db, viewer, { name: unique("main") });
    const other = await createGateway(t.db, viewer, { name: unique("other") });
    gateway = gatewayUrl(origin, main.slug);
    otherGateway = gatewayUrl(origin, other.slug);
    provider = authorizationServer({
      db: t.db,
      keyring: testKeyring(),
      authSecret: "test-auth-secret-0123456789abcdef",
      origin,
      isGateway: async (resource) => gatewaySlugOf(origin, resource) !== null,
      findPerson: async (id) => (id === ada.id ? { id, email: ada.email, name: ada.name } : undefined),
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
    fetch(`${origin}/oauth/register`, {
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
    fetch(`${origin}/oauth/authorize?${new URLSearchParams(params)}`, { redirect: "manual", headers: { cookie } });

  /** Starts an authorization in a browser of its own: its cookies, and the interaction's uid. */
  async function start(params: Record<string, string>) {
    const jar = new Map<string, string>();
    const started = await authorize(params);
    expect(started.status).toBe(303);
    const cookie = cookiesOf(started, jar);
    const uid = (started.headers.get("location") ?? "").split("/").pop() as string;
    return { jar, cookie, uid };
  }

  /** The person's answer on the consent page, and the browser following it back to the client. */
  async function answer(browser: Awaited<ReturnType<typeof start>>, person: Actor, allow = true) {
    const answered = await answerAuthorization(provider, t.db, browser.uid, browser.cookie, person, allow);
    if (!answered.ok) throw new Error(answered.refusal);
    const resumed = await fetch(new URL(answered.returnTo, origin), {
      redirect: "manual",
      headers: { cookie: browser.cookie },
    });
    expect(resumed.status).toBe(303);
    return new URL(resumed.headers.get("location") ?? "");
  }

  /** Signs `person` in and consents to the resource, as the app's page does; the redirect back to the client. */
  const signInAndConsent = async (params: Record<string, string>, person: Actor = ada) =>
    answer(await start(params), person);

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
    const metadata = (await (await fetch(`${origin}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(metadata).toMatchObject({
      issuer: origin,
      authorization_endpoint: `${origin}/oauth/authorize`,
      token_endpoint: `${origin}/oauth/token`,
      code_challenge_methods_supported: ["S256"],
      client_id_metadata_document_supported: true,
      authorization_response_iss_parameter_supported: true,
      registration_endpoint: `${origin}/oauth/register`,
      revocation_endpoint: `${origin}/oauth/revoke`,
    });
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(["mcp", "offline_access"]));
  });

  it("a registered client signs a person in with PKCE and gets a token bound to one gateway; refresh rotates, and reuse revokes the family", async () => {
    const clientId = await register();
    const v = verifier();
    const params = requestFor(clientId, v, { state: "s-123", prompt: "consent" });
    const back = await signInAndConsent(params);
    expect(back.searchParams.get("state")).toBe("s-123");
    expect(back.searchParams.get("iss")).toBe(origin);
    const code = back.searchParams.get("code") as string;

    const exchange = exchangeOf(clientId, code, v);
    const issued = await token(exchange);
    expect(issued.status).toBe(200);
    expect(issued.json.token_type).toBe("Bearer");
    const access = await provider.AccessToken.find(issued.json.access_token as string);
    expect(access?.aud).toBe(gateway);
    expect(access?.accountId).toBe(ada.id);
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
    const code = (await signInAndConsent(params)).searchParams.get("code") as string;
    const exchange = exchangeOf(clientId, code, v);
    // The wrong verifier is refused (PKCE).
    expect((await token({ ...exchange, code_verifier: verifier() })).json.error).toBe("invalid_grant");
    const fresh = (await signInAndConsent(params)).searchParams.get("code") as string;
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

  /** The person's connected apps for this client (rows of their tokens). */
  const appsOf = (person: Actor, clientId: string) =>
    t.db
      .selectFrom("access_tokens")
      .select(["id", "revoked_at", "oauth_grant_id", "gateway_id"])
      .where("user_id", "=", person.id)
      .where("oauth_client_id", "=", clientId)
      .execute();

  it("remembers a consent per client and gateway: the next authorization reuses it, another gateway asks again", async () => {
    const clientId = await register();
    const v = verifier();
    const first = await signInAndConsent(requestFor(clientId, v, { state: "one" }));
    expect(first.searchParams.get("code")).toBeTruthy();
    expect(await appsOf(ada, clientId)).toHaveLength(1);

    const again = await start(requestFor(clientId, v));
    const pending = await pendingAuthorization(provider, t.db, again.uid, ada, again.cookie);
    expect(pending.ok && pending.pending.remembered).toBe(true);
    expect((await answer(again, ada)).searchParams.get("code")).toBeTruthy();
    expect(await appsOf(ada, clientId)).toHaveLength(1);

    const elsewhere = await start(requestFor(clientId, v, { resource: otherGateway }));
    const asked = await pendingAuthorization(provider, t.db, elsewhere.uid, ada, elsewhere.cookie);
    expect(asked.ok && asked.pending.remembered).toBe(false);
    await answer(elsewhere, ada);
    expect(await appsOf(ada, clientId)).toHaveLength(2);
  });

  it("a refusal goes back to the client as access_denied with its state, and connects nothing", async () => {
    const clientId = await register();
    const back = await answer(await start(requestFor(clientId, verifier(), { state: "kept" })), ada, false);
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("state")).toBe("kept");
    expect(back.searchParams.get("iss")).toBe(origin);
    expect(back.searchParams.get("code")).toBeNull();
    expect(await appsOf(ada, clientId)).toHaveLength(0);
  });

  it("answers only the browser that started the authorization (found in design: a link sent to someone else to approve)", async () => {
    const clientId = await register();
    const attacker = await start(requestFor(clientId, verifier()));
    // Ada opens the attacker's link: her browser has no cookie for it, another authorization's, or
    // oidc-provider's own interaction cookie planted with the attacker's uid (found in review: the
    // page trusted that one, whose value is in the link).
    const binding = bindingCookie(origin).name;
    for (const cookie of [null, `${binding}=another-uid`, `_interaction=${attacker.uid}`]) {
      const answered = await answerAuthorization(provider, t.db, attacker.uid, cookie, ada, true);
      expect(answered).toEqual({ ok: false, refusal: "elsewhere" });
    }
    expect(await appsOf(ada, clientId)).toHaveLength(0);
    // The attacker's browser resuming gets no code for Ada: the interaction has no answer.
    const interaction = await provider.Interaction.find(attacker.uid);
    expect(interaction?.result).toBeUndefined();
  });

  it("a loopback redirect may come back on another port (RFC 8252), nothing else may differ", async () => {
    expect(loopbackPortVaries("http://127.0.0.1:5555/callback", [REDIRECT])).toBe(true);
    expect(loopbackPortVaries("http://[::1]:5555/callback", ["http://[::1]:1/callback"])).toBe(true);
    expect(loopbackPortVaries("http://127.0.0.1:5555/other", [REDIRECT])).toBe(false);
    expect(loopbackPortVaries("http://localhost:5555/callback", ["http://localhost:1/callback"])).toBe(false);
    expect(loopbackPortVaries("https://127.0.0.1:5555/callback", ["https://127.0.0.1:1/callback"])).toBe(false);
    expect(loopbackPortVaries("http://user@127.0.0.1:5555/callback", [REDIRECT])).toBe(false);

    const clientId = await register();
    const v = verifier();
    const moved = "http://127.0.0.1:5555/callback";
    const back = await signInAndConsent(requestFor(clientId, v, { redirect_uri: moved }));
    expect(`${back.origin}${back.pathname}`).toBe(moved);
    const issued = await token({
      ...exchangeOf(clientId, back.searchParams.get("code") as string, v),
      redirect_uri: moved,
    });
    expect(issued.status).toBe(200);
  });

  it("a client revoking its refresh token (RFC 7009) revokes the connected app and every token of it", async () => {
    const clientId = await register();
    const v = verifier();
    const back = await signInAndConsent(requestFor(clientId, v));
    const issued = await token(exchangeOf(clientId, back.searchParams.get("code") as string, v));
    const revoked = await fetch(`${origin}/oauth/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: issued.json.refresh_token as string, client_id: clientId }),
    });
    expect(revoked.status).toBe(200);
    expect(await provider.AccessToken.find(issued.json.access_token as string)).toBeUndefined();
    const [app] = await appsOf(ada, clientId);
    expect(app?.revoked_at).toBeInstanceOf(Date);
    // The next authorization asks again: a revoked app is not a remembered consent.
    const again = await start(requestFor(clientId, v));
    const pending = await pendingAuthorization(provider, t.db, again.uid, ada, again.cookie);
    expect(pending.ok && pending.pending.remembered).toBe(false);
  });

  it("the page names the client, the gateway and where the browser goes back", async () => {
    const clientId = await register();
    const started = await start(requestFor(clientId, verifier()));
    const pending = await pendingAuthorization(provider, t.db, started.uid, outsider, started.cookie);
    if (!pending.ok) throw new Error(pending.refusal);
    expect(pending.pending.client).toMatchObject({
      id: clientId,
      name: "Test client",
      verifiedHost: null,
      redirectUri: REDIRECT,
      logoUri: null,
    });
    expect(gatewayUrl(origin, pending.pending.gateway.slug)).toBe(gateway);
  });

  it("the binding cookie cannot be planted on https (a __Host- cookie), and holds a few authorizations per browser", () => {
    const secure = bindingCookie("https://mcp.example.com");
    expect(secure.name).toBe("__Host-mcpo-authorizations");
    expect(secure.set(["a", "b"])).toMatch(
      /^__Host-mcpo-authorizations=a\.b; Path=\/; .*HttpOnly; SameSite=Lax; Secure$/,
    );
    expect(secure.set(["1", "2", "3", "4", "5", "6"])).toContain("=1.2.3.4.5;");
    expect(bindingCookie("http://127.0.0.1:3000").set(["a"])).not.toContain("Secure");
  });

  it("a gateway the person may not use is refused like one that does not exist, before anything is shown", async () => {
    const admin = await makeUser(t.db, "admin");
    const team = await createTeam(t.db, admin, { name: unique("finance") });
    const secret = await createGateway(t.db, await userViewer(t.db, admin), {
      name: unique("payroll"),
      teamId: team.id,
    });
    const clientId = await register();
    const started = await start(requestFor(clientId, verifier(), { resource: gatewayUrl(origin, secret.slug) }));
    expect(await pendingAuthorization(provider, t.db, started.uid, ada, started.cookie)).toEqual({
      ok: false,
      refusal: "gateway",
    });
    const answered = await answerAuthorization(provider, t.db, started.uid, started.cookie, ada, true);
    expect(answered).toEqual({ ok: false, refusal: "gateway" });
    expect(await appsOf(ada, clientId)).toHaveLength(0);
  });

  it("errors found before the person is asked go back only to loopback redirects (found in review: registering any URL made an open redirect)", async () => {
    const res = await registration(["https://phish.example/login"]);
    const clientId = ((await res.json()) as { client_id: string }).client_id;
    const plain = {
      ...requestFor(clientId, verifier()),
      redirect_uri: "https://phish.example/login",
      code_challenge_method: "plain",
    };
    for (const params of [plain, { ...plain, response_mode: "form_post" }, { ...plain, response_mode: "fragment" }]) {
      const refused = await authorize(params);
      expect(refused.status).toBe(400);
      expect(refused.headers.get("location")).toBeNull();
      const page = await refused.text();
      expect(page).toContain("Sign-in could not start");
      expect(page).not.toContain("phish.example");
    }
    // A loopback client still hears of its error (its own machine is no redirector).
    const loopback = await authorize({ ...requestFor(await register(), verifier()), code_challenge_method: "plain" });
    expect(loopback.status).toBe(303);
    expect(new URL(loopback.headers.get("location") ?? "").searchParams.get("error")).toBe("invalid_request");
  });

  it("refuses oversized registrations (found in review: a 50 KB name was kept for 30 days)", async () => {
    const big = await fetch(`${origin}/oauth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_name: "x".repeat(201),
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: "none",
      }),
    });
    expect(big.status).toBe(400);
    expect(((await big.json()) as { error: string }).error).toBe("invalid_client_metadata");
    const many = await registration(Array.from({ length: 11 }, (_, i) => `http://127.0.0.1:${4000 + i}/cb`));
    expect(many.status).toBe(400);
  });

  it("a client asking for openid gets its code, not a loop (found in review: an ungranted scope sent the browser round again)", async () => {
    const clientId = await register();
    const back = await signInAndConsent(requestFor(clientId, verifier(), { scope: "openid mcp offline_access" }));
    expect(back.origin + back.pathname).toBe(REDIRECT);
    expect(back.searchParams.get("code")).toBeTruthy();
  });

  it("does not say at authorization whether a gateway exists (found in review): unknown gateways reach the page, which refuses them", async () => {
    const clientId = await register();
    const started = await start(requestFor(clientId, verifier(), { resource: gatewayUrl(origin, "no-such-gateway") }));
    expect(await pendingAuthorization(provider, t.db, started.uid, ada, started.cookie)).toEqual({
      ok: false,
      refusal: "gateway",
    });
  });
});
