import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { OAuthClientInformationMixed, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import { expect, type Page, test } from "@playwright/test";
import { TEST_TLS } from "../playwright.config";
import { ADMIN, api, firstText, snap, tokenFor } from "./support";

// An MCP client built with the SDK's OAuth helpers adds a gateway's URL, discovers everything
// from the gateway's 401, and signs its person in through the browser (sign-in, consent); it
// then calls tools as that person, with their own credentials. Once with a client ID metadata
// document the test serves (https, trusted by the app), once with dynamic registration.

const bin = (name: string) => path.resolve("node_modules/.bin", name);
const CAROL = { name: "Carol", email: "carol@example.com", password: "carol-password-1" };
const PNG_1X1 = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

/** The client's side of the flow, as a desktop MCP client keeps it; it records where it would open the browser. */
class TestClient implements OAuthClientProvider {
  authorizationUrl: URL | undefined;
  private client: OAuthClientInformationMixed | undefined;
  private saved: OAuthTokens | undefined;
  private verifier = "";

  constructor(
    readonly redirectUrl: string,
    readonly name: string,
    readonly clientMetadataUrl?: string,
  ) {}

  get clientMetadata() {
    return {
      client_name: this.name,
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** A client connected to the gateway with the provider (throws UnauthorizedError when it must sign in). */
async function connect(
  url: string,
  provider: TestClient,
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  const client = new Client({ name: "e2e-agent", version: "1.0.0" });
  await client.connect(transport);
  return { client, transport };
}

/**
 * The browser part: opens the authorization URL signed out, signs in as the person, checks what
 * the consent page says, and presses `button`. Returns the URL the browser was sent back to.
 */
async function signInAndAnswer(
  page: Page,
  provider: TestClient,
  consent: RegExp,
  button: "Allow" | "Deny",
  beforeSignIn?: () => Promise<void>,
  onConsent?: () => Promise<void>,
) {
  const redirect = new URL(provider.redirectUrl);
  let back: URL | undefined;
  await page.route(`${redirect.origin}/**`, async (route) => {
    back = new URL(route.request().url());
    await route.fulfill({ status: 200, contentType: "text/plain", body: "You can close this window." });
  });
  await page.context().clearCookies();
  await page.goto(String(provider.authorizationUrl));
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Foauth%2Finteraction%2F/);
  await beforeSignIn?.();
  await page.getByLabel("Email").fill(CAROL.email);
  await page.getByLabel("Password").fill(CAROL.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(consent);
  await onConsent?.();
  await page.getByRole("button", { name: button, exact: true }).click();
  await expect.poll(() => back?.href ?? "").toContain(redirect.pathname);
  await page.unrouteAll();
  return back as URL;
}

/** A raw call to the gateway with a bearer token: its HTTP status. */
const statusWith = async (url: string, token: string) =>
  (
    await fetch(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
      }),
    })
  ).status;

test.describe
  .serial("MCP clients sign in to a gateway through the app", () => {
    let base = "";
    let main = "";
    let other = "";
    const documents: https.Server[] = [];
    let documentsOrigin = "";
    /** The metadata document the server hands out, by path. */
    const served = new Map<string, { status?: number; body: string | Buffer; type?: string }>();

    test.beforeAll(async () => {
      const serve = () =>
        https.createServer({ key: fs.readFileSync(TEST_TLS.key), cert: fs.readFileSync(TEST_TLS.cert) }, (req, res) => {
          const doc = served.get(req.url ?? "");
          if (!doc) return void res.writeHead(404).end();
          res.writeHead(doc.status ?? 200, {
            "content-type": doc.type ?? "application/json",
            "cache-control": "max-age=60",
          });
          res.end(doc.body);
        });
      const v4 = serve();
      await new Promise<void>((resolve) => v4.listen(0, "127.0.0.1", resolve));
      documents.push(v4);
      documentsOrigin = `https://127.0.0.1:${(v4.address() as AddressInfo).port}`;
      // The same documents on [::1], which the app may not fetch from (only 127.0.0.1 is allowed).
      const v6 = serve();
      await new Promise<void>((resolve) =>
        v6.once("error", () => resolve()).listen(Number(new URL(documentsOrigin).port), "::1", resolve),
      );
      documents.push(v6);
    });
    test.afterAll(() => {
      for (const server of documents) server.close();
    });

    test("set up: Carol's own notes server, and two gateways that resolve credentials at call time", async ({
      baseURL,
    }) => {
      base = baseURL ?? "";
      const admin = await tokenFor(base, ADMIN.email, ADMIN.password);
      await api(base, admin, "POST", "/users", CAROL);
      const carol = await tokenFor(base, CAROL.email, CAROL.password);
      await api(base, admin, "POST", "/catalog", {
        kind: "local",
        name: "Carol Notes",
        slug: "signin-notes",
        command: bin("mcp-server-memory"),
        env: [{ name: "MEMORY_FILE_PATH", secret: true, required: true }],
      });
      // Only Carol holds a credential: a call resolves to hers or to none.
      await api(base, carol, "POST", "/catalog/signin-notes/credentials", {
        env: { MEMORY_FILE_PATH: path.join(os.tmpdir(), `signin-carol-${Date.now()}.json`) },
      });
      await expect
        .poll(
          async () =>
            ((await api(base, admin, "GET", "/catalog")) as { items: { slug: string; tools: unknown[] }[] }).items.find(
              (i) => i.slug === "signin-notes",
            )?.tools.length ?? 0,
          { timeout: 30_000 },
        )
        .toBeGreaterThan(0);
      for (const slug of ["signin-main", "signin-other"]) {
        await api(base, admin, "POST", "/gateways", { name: slug === "signin-main" ? "Main" : "Other", slug });
        await api(base, admin, "PUT", `/gateways/${slug}/assignments`, { assignments: [{ server: "signin-notes" }] });
      }
      main = `${base}/api/mcp/signin-main`;
      other = `${base}/api/mcp/signin-other`;
    });

    test("the gateway's 401 leads to the app's metadata: the authorization server and what it supports", async () => {
      const refused = await fetch(main, { method: "POST", body: "{}" });
      expect(refused.status).toBe(401);
      const challenge = refused.headers.get("www-authenticate") ?? "";
      const prm = /resource_metadata="([^"]+)"/.exec(challenge)?.[1] as string;
      const resource = (await (await fetch(prm)).json()) as { resource: string; authorization_servers: string[] };
      expect(resource).toMatchObject({ resource: main, authorization_servers: [base] });
      const metadata = (await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json()) as Record<
        string,
        unknown
      >;
      expect(metadata).toMatchObject({
        issuer: base,
        authorization_endpoint: `${base}/oauth/authorize`,
        token_endpoint: `${base}/oauth/token`,
        registration_endpoint: `${base}/oauth/register`,
        revocation_endpoint: `${base}/oauth/revoke`,
        code_challenge_methods_supported: ["S256"],
        client_id_metadata_document_supported: true,
        authorization_response_iss_parameter_supported: true,
      });
      expect(metadata.scopes_supported).toContain("mcp");
    });

    test("a client with a metadata document signs Carol in, and calls tools with her credentials", async ({
      page,
    }, testInfo) => {
      const redirectUrl = "http://127.0.0.1:45871/callback";
      served.set("/logo.png", { body: PNG_1X1, type: "image/png" });
      served.set("/agent.json", {
        body: JSON.stringify({
          client_id: `${documentsOrigin}/agent.json`,
          client_name: "E2E Agent",
          logo_uri: `${documentsOrigin}/logo.png`,
          redirect_uris: [redirectUrl],
          grant_types: ["authorization_code", "refresh_token"],
          response_types: ["code"],
          token_endpoint_auth_method: "none",
        }),
      });
      const provider = new TestClient(redirectUrl, "unused: the document names it", `${documentsOrigin}/agent.json`);
      await expect(connect(main, provider)).rejects.toThrow(/Unauthorized/);
      const asked = provider.authorizationUrl as URL;
      expect(asked.searchParams.get("client_id")).toBe(`${documentsOrigin}/agent.json`);
      expect(asked.searchParams.get("resource")).toBe(main);
      expect(asked.searchParams.get("code_challenge_method")).toBe("S256");

      // Meanwhile someone sends requests naming other hosts, so the app forgets the document it
      // fetched for this origin (found in review: the consent page then could not name the client).
      const evict = async () => {
        const { port } = new URL(base);
        for (let i = 0; i < 20; i++)
          await new Promise<void>((resolve) =>
            http
              .get(
                {
                  host: "127.0.0.1",
                  port,
                  path: "/.well-known/openid-configuration",
                  headers: { host: `h${i}.example` },
                },
                (r) => r.resume().on("end", resolve),
              )
              .on("error", () => resolve()),
          );
      };
      const back = await signInAndAnswer(
        page,
        provider,
        /^E2E Agent wants to use gateway Main as Carol$/,
        "Allow",
        evict,
        async () => {
          // The document's name, its host, and its logo (fetched by the app, shown inline).
          await expect(page.getByText(new URL(documentsOrigin).host)).toBeVisible();
          await expect(page.locator('img[src^="data:image/png;base64,"]')).toHaveCount(1);
          await snap(page, testInfo, "25-consent");
        },
      ).catch(async (err) => {
        await snap(page, testInfo, "sign-in-failed");
        throw err;
      });
      expect(back.searchParams.get("iss")).toBe(base);
      const code = back.searchParams.get("code") as string;
      await new StreamableHTTPClientTransport(new URL(main), { authProvider: provider }).finishAuth(code);

      const { client } = await connect(main, provider);
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toContain("signin-notes__create_entities");
      await client.callTool({
        name: "signin-notes__create_entities",
        arguments: { entities: [{ name: "carol-was-here", entityType: "note", observations: ["signed in"] }] },
      });
      const graph = firstText(await client.callTool({ name: "signin-notes__read_graph", arguments: {} }));
      expect(graph).toContain("carol-was-here");
      await client.close();

      // Her own token reads the same notes: the call used Carol's credential.
      const carol = await tokenFor(base, CAROL.email, CAROL.password);
      const own = new Client({ name: "own", version: "1" });
      await own.connect(
        new StreamableHTTPClientTransport(new URL(main), {
          requestInit: { headers: { authorization: `Bearer ${carol}` } },
        }),
      );
      expect(firstText(await own.callTool({ name: "signin-notes__read_graph", arguments: {} }))).toContain(
        "carol-was-here",
      );
      await own.close();

      // The token is for this gateway only.
      const access = provider.tokens()?.access_token as string;
      expect(await statusWith(main, access)).toBe(200);
      expect(await statusWith(other, access)).toBe(401);

      // Refresh rotates; the old refresh token used again revokes the family, access token included.
      const refresh = (body: Record<string, string>) =>
        fetch(`${base}/oauth/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            grant_type: "refresh_token",
            client_id: `${documentsOrigin}/agent.json`,
            ...body,
          }),
        }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, string> }));
      const old = provider.tokens()?.refresh_token as string;
      const rotated = await refresh({ refresh_token: old, resource: main });
      expect(rotated.status).toBe(200);
      expect(await statusWith(main, rotated.json.access_token as string)).toBe(200);
      expect((await refresh({ refresh_token: old })).json.error).toBe("invalid_grant");
      // Checked tokens are remembered for a second.
      await expect.poll(() => statusWith(main, rotated.json.access_token as string), { timeout: 5_000 }).toBe(401);
      expect((await refresh({ refresh_token: rotated.json.refresh_token as string })).json.error).toBe("invalid_grant");
    });

    test("a registered client signs in; Carol sees it on the Tokens page, revokes it, and its next call is refused", async ({
      page,
    }, testInfo) => {
      const provider = new TestClient("http://127.0.0.1:45872/callback", "E2E Agent (registered)");
      await expect(connect(main, provider)).rejects.toThrow(/Unauthorized/);
      expect(provider.clientInformation()?.client_id).toBeTruthy();
      const back = await signInAndAnswer(
        page,
        provider,
        /^E2E Agent \(registered\) wants to use gateway Main as Carol$/,
        "Allow",
      );
      await new StreamableHTTPClientTransport(new URL(main), { authProvider: provider }).finishAuth(
        back.searchParams.get("code") as string,
      );
      const { client } = await connect(main, provider);
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);

      // The gateway's page offers signing in first (the URL alone), a token as the fallback.
      await page.goto("/gateways/signin-main");
      const signInFirst = page.getByTestId("sign-in-configs");
      await expect(signInFirst.getByRole("heading").first()).toHaveText("Claude (claude.ai, Claude Desktop)");
      await expect(signInFirst).toContainText(main);
      await expect(signInFirst).not.toContainText("Bearer");
      await expect(page.getByTestId("connect-configs")).toBeHidden();
      await page.getByText("With a token instead").click();
      await expect(page.getByTestId("connect-configs")).toContainText("Bearer <YOUR_TOKEN>");

      await page.goto("/tokens");
      const apps = page.getByRole("table", { name: "Connected apps" });
      await expect(apps.getByRole("row", { name: /E2E Agent \(registered\)/ })).toContainText("Main");
      await snap(page, testInfo, "30-connected-apps");
      await apps.getByRole("button", { name: "Disconnect E2E Agent (registered)" }).click();
      await expect(apps.getByRole("row", { name: /E2E Agent \(registered\)/ })).toContainText("revoked");
      await expect
        .poll(() => statusWith(main, provider.tokens()?.access_token as string), { timeout: 5_000 })
        .toBe(401);
      await expect(client.listTools()).rejects.toThrow();
      await client.close().catch(() => {});
    });

    test("a refusal on the consent page goes back to the client as access_denied, and connects nothing", async ({
      page,
    }) => {
      const provider = new TestClient("http://127.0.0.1:45873/callback", "E2E Denied");
      await expect(connect(main, provider)).rejects.toThrow(/Unauthorized/);
      const state = (provider.authorizationUrl as URL).searchParams.get("state");
      const back = await signInAndAnswer(page, provider, /wants to use gateway Main as Carol$/, "Deny");
      expect(back.searchParams.get("error")).toBe("access_denied");
      expect(back.searchParams.get("code")).toBeNull();
      if (state) expect(back.searchParams.get("state")).toBe(state);
      await page.goto("/tokens");
      await expect(page.getByRole("table", { name: "Connected apps" })).toContainText("E2E Agent");
      await expect(page.getByRole("table", { name: "Connected apps" })).not.toContainText("E2E Denied");
    });

    test("single sign-on works on the way: a person signs in through the OIDC provider, and calls resolve to their credentials (none: a link)", async ({
      page,
    }) => {
      const provider = new TestClient("http://127.0.0.1:45875/callback", "E2E SSO Agent");
      await expect(connect(main, provider)).rejects.toThrow(/Unauthorized/);
      const redirect = new URL(provider.redirectUrl);
      let back: URL | undefined;
      await page.route(`${redirect.origin}/**`, async (route) => {
        back = new URL(route.request().url());
        await route.fulfill({ status: 200, body: "done" });
      });
      await page.context().clearCookies();
      await page.goto(String(provider.authorizationUrl));
      await page.getByRole("button", { name: "Continue with Test SSO" }).click();
      await page.locator('input[name="login"]').fill("grace");
      await page.locator('input[name="password"]').fill("anything");
      await page.getByRole("button", { name: "Sign-in" }).click();
      await page.getByRole("button", { name: "Continue" }).click();
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(
        "E2E SSO Agent wants to use gateway Main as SSO grace",
      );
      await page.getByRole("button", { name: "Allow", exact: true }).click();
      await expect.poll(() => back?.searchParams.get("code") ?? "").not.toBe("");
      await new StreamableHTTPClientTransport(new URL(main), { authProvider: provider }).finishAuth(
        back?.searchParams.get("code") as string,
      );
      const { client } = await connect(main, provider);
      // Grace holds no credential for the notes server: the call says where to connect one.
      const result = await client.callTool({ name: "signin-notes__read_graph", arguments: {} });
      expect(result.isError).toBe(true);
      expect(firstText(result)).toContain("/registry/signin-notes?install=1");
      await client.close();
    });

    test("an answer from a browser that did not start the authorization is refused, and the one that did still can", async ({
      page,
      browser,
      baseURL,
    }) => {
      const provider = new TestClient("http://127.0.0.1:45876/callback", "E2E Phished Agent");
      await expect(connect(main, provider)).rejects.toThrow(/Unauthorized/);
      await page.context().clearCookies();
      await page.goto(String(provider.authorizationUrl));
      await page.getByLabel("Email").fill(CAROL.email);
      await page.getByLabel("Password").fill(CAROL.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(/E2E Phished Agent wants to use gateway Main/);
      const link = page.url();

      // The link, sent to Carol, opened in her other (signed-in) browser.
      const other = await browser.newContext({ baseURL });
      const elsewhere = await other.newPage();
      await elsewhere.goto("/signin");
      await elsewhere.getByLabel("Email").fill(CAROL.email);
      await elsewhere.getByLabel("Password").fill(CAROL.password);
      await elsewhere.getByRole("button", { name: "Sign in" }).click();
      await expect(elsewhere.getByRole("heading", { name: `Welcome, ${CAROL.name}` })).toBeVisible();
      await elsewhere.goto(link);
      await elsewhere.getByRole("button", { name: "Allow", exact: true }).click();
      await expect(elsewhere.getByRole("alert").filter({ hasText: "started in another browser" })).toBeVisible();
      await elsewhere.goto("/tokens");
      await expect(elsewhere.getByRole("table", { name: "Connected apps" })).not.toContainText("E2E Phished Agent");
      await other.close();

      // The browser that started it answers, and the client gets its code.
      let back: URL | undefined;
      await page.route("http://127.0.0.1:45876/**", async (route) => {
        back = new URL(route.request().url());
        await route.fulfill({ status: 200, body: "done" });
      });
      await page.getByRole("button", { name: "Allow", exact: true }).click();
      await expect.poll(() => back?.searchParams.get("code") ?? "").not.toBe("");
    });

    test("bad requests get clear errors: metadata documents unreachable, too big or private, a wrong redirect, no PKCE", async () => {
      const authorize = (params: Record<string, string>) =>
        fetch(`${base}/oauth/authorize?${new URLSearchParams(params)}`, { redirect: "manual" });
      const request = (clientId: string, extra: Record<string, string> = {}) => ({
        client_id: clientId,
        redirect_uri: "http://127.0.0.1:45874/callback",
        response_type: "code",
        scope: "mcp",
        resource: main,
        state: "s",
        code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        code_challenge_method: "S256",
        ...extra,
      });
      const refusal = async (params: Record<string, string>) => {
        const res = await authorize(params);
        return { status: res.status, location: res.headers.get("location"), text: await res.text() };
      };
      served.set("/big.json", {
        body: JSON.stringify({ client_id: `${documentsOrigin}/big.json`, pad: "x".repeat(70_000) }),
      });
      served.set("/good.json", {
        body: JSON.stringify({
          client_id: `${documentsOrigin}/good.json`,
          client_name: "Good",
          redirect_uris: ["http://127.0.0.1:45874/callback"],
          token_endpoint_auth_method: "none",
        }),
      });
      const closedPort = `https://127.0.0.1:9/agent.json`;
      const ipv6 = `https://[::1]:${new URL(documentsOrigin).port}/good.json`;
      for (const clientId of [closedPort, `${documentsOrigin}/big.json`, ipv6, `${documentsOrigin}/missing.json`]) {
        const res = await refusal(request(clientId));
        expect(res.status, clientId).toBe(400);
        expect(res.location, clientId).toBeNull();
        expect(res.text, clientId).toContain("Sign-in could not start");
      }
      // The same document on an allowed address is taken (the refusals above were the address, size, reachability).
      expect((await refusal(request(`${documentsOrigin}/good.json`))).status).toBe(303);

      // A redirect URI the client did not register is never redirected to.
      const wrong = await refusal(
        request(`${documentsOrigin}/good.json`, { redirect_uri: "http://127.0.0.1:45874/other" }),
      );
      expect(wrong.status).toBe(400);
      expect(wrong.location).toBeNull();
      // PKCE: missing or plain is refused (back to the client, which is known).
      for (const pkce of [{ code_challenge_method: "plain" }, { code_challenge: "" }] as Record<string, string>[]) {
        const res = await refusal(request(`${documentsOrigin}/good.json`, pkce));
        expect(res.status).toBe(303);
        expect(new URL(res.location as string).searchParams.get("error")).toBe("invalid_request");
      }
    });
  });
