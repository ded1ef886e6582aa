import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { expect, type Page, test } from "@playwright/test";
import { OAUTH_MCP_URL, OIDC } from "../playwright.config";
import { ADMIN, api, firstText, snap, tokenFor } from "./support";

const OAUTH_AS_PORT = Number(process.env.E2E_OAUTH_AS_PORT ?? 3160);
/** The test server's control: stall its token endpoint, refuse one person's tokens. */
const control = async (query: string) =>
  (await (await fetch(`${new URL(OAUTH_MCP_URL).origin}/control?${query}`)).json()) as { tokenRequests: number };

// Two people each connect an OAuth-protected server from the link in a gateway's tool result,
// signing in at its (real) authorization server in the browser; each call then carries the
// caller's own token upstream.
/**
 * Opens `link` signed out, signs in to the app as the person, connects the server in the
 * dialog, and signs in at the authorization server's development pages as `login`.
 */
async function connectInBrowser(page: Page, link: string, email: string, password: string, login: string) {
  await page.context().clearCookies();
  await page.goto(link);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  const dialog = page.getByRole("dialog", { name: "Connect: Protected" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Connect with Protected" }).click();
  await expect(page).toHaveURL(new RegExp(`127\\.0\\.0\\.1:${OAUTH_AS_PORT}/interaction/`));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any");
  await page.locator('button[type="submit"]').click();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/registry\/protected\?installed=1/);
  await expect(page.getByRole("status")).toContainText("Connected.");
}

test("each person connects the OAuth server from the tool result's link and calls with their own token", async ({
  page,
  baseURL,
}, testInfo) => {
  const base = baseURL ?? "";
  const admin = await tokenFor(base, ADMIN.email, ADMIN.password);
  await api(base, admin, "POST", "/catalog", {
    kind: "remote",
    name: "Protected",
    slug: "protected",
    url: OAUTH_MCP_URL,
    authKind: "oauth",
  });
  await api(base, admin, "POST", "/gateways", { name: "Signed in", slug: "signed-in" });
  // Its tools are learnt when someone first connects: the admin, for themselves.
  await connectInBrowser(page, `${base}/registry/protected?install=1`, ADMIN.email, ADMIN.password, "ada");
  await snap(page, testInfo, "20-oauth-connected");
  await api(base, admin, "PUT", "/gateways/signed-in/assignments", { assignments: [{ server: "protected" }] });

  for (const person of ["olga", "pavel"]) {
    const email = `${person}@example.com`;
    const password = `${person}-password-1`;
    await api(base, admin, "POST", "/users", { email, name: person, password });
    const token = await tokenFor(base, email, password);
    const client = new Client({ name: "oauth-e2e", version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/api/mcp/signed-in`), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["protected__whoami"]);
    // Not the admin's credential: the call asks this person to connect their own.
    const first = await client.callTool({ name: "protected__whoami", arguments: {} });
    expect(first.isError).toBe(true);
    const facts = first._meta?.["io.mcp-orchestrator/credential"] as { installUrl: string } | undefined;
    const link = facts?.installUrl ?? "";
    expect(link).toBe(`${base}/registry/protected?install=1`);

    await connectInBrowser(page, link, email, password, person);

    const retry = await client.callTool({ name: "protected__whoami", arguments: {} });
    expect(retry.isError).toBeFalsy();
    expect(firstText(retry)).toBe(person);
    // The credential is on their Credentials page.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Credentials" }).click();
    const row = page.getByRole("table", { name: "Credentials" }).getByRole("row", { name: /Protected/ });
    await expect(row).toContainText("you");
    await expect(row).toContainText("active");
    if (person === "olga") await snap(page, testInfo, "22-oauth-credential");
    await client.close();
  }
});

test("a denied sign-in says so on the server's page and stores nothing", async ({ page, baseURL }) => {
  const base = baseURL ?? "";
  const email = "quinn@example.com";
  const password = "quinn-password-1";
  const admin = await tokenFor(base, ADMIN.email, ADMIN.password);
  await api(base, admin, "POST", "/users", { email, name: "Quinn", password });
  await page.context().clearCookies();
  await page.goto(`${base}/registry/protected?install=1`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page
    .getByRole("dialog", { name: "Connect: Protected" })
    .getByRole("button", { name: "Connect with Protected" })
    .click();
  await page.getByRole("link", { name: /Cancel/ }).click();
  await expect(page).toHaveURL(/\/registry\/protected\?oauth=failed/);
  await expect(page.getByRole("alert").filter({ hasText: "access was denied" })).toBeVisible();
  // A sign-in answer that is not this person's (a made-up state) is explained on the registry page.
  await page.goto(`${base}/api/oauth/callback?code=x&state=made-up`);
  await expect(page).toHaveURL(/\/registry\?oauth=failed/);
  await expect(page.getByRole("alert").filter({ hasText: "Start again from the registry" })).toBeVisible();
  const quinn = await tokenFor(base, email, password);
  const { credentials } = (await api(base, quinn, "GET", "/credentials")) as { credentials: unknown[] };
  expect(credentials).toHaveLength(0);
});

test("a token endpoint that never answers stalls nothing else, and the credential says why", async ({
  page,
  baseURL,
}) => {
  const base = baseURL ?? "";
  const admin = await tokenFor(base, ADMIN.email, ADMIN.password);
  // Pavel calls through a second gateway; Olga's calls go through the first.
  await api(base, admin, "POST", "/gateways", { name: "Second", slug: "second" });
  await api(base, admin, "PUT", "/gateways/second/assignments", { assignments: [{ server: "protected" }] });
  const connectAs = async (gateway: string, email: string, password: string) => {
    const client = new Client({ name: "oauth-e2e", version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/api/mcp/${gateway}`), {
        requestInit: { headers: { Authorization: `Bearer ${await tokenFor(base, email, password)}` } },
      }),
    );
    return client;
  };
  const olga = await connectAs("signed-in", "olga@example.com", "olga-password-1");
  const pavel = await connectAs("second", "pavel@example.com", "pavel-password-1");
  expect(firstText(await pavel.callTool({ name: "protected__whoami", arguments: {} }))).toBe("pavel");

  // The server now refuses Olga's access token, so the app refreshes it: at a token endpoint
  // that takes the request and never answers.
  const { tokenRequests } = await control("hang=1&reject=olga");
  try {
    const stalled = olga.callTool({ name: "protected__whoami", arguments: {} });
    await expect
      .poll(async () => (await control("")).tokenRequests, { timeout: 10_000 })
      .toBeGreaterThan(tokenRequests);

    // A stall would last until the refresh gives up (10 s); 3 s leaves room for a loaded machine.
    const STALLED_MS = 3_000;
    const timed = async (work: () => Promise<unknown>) => {
      const started = Date.now();
      await work();
      return Date.now() - started;
    };
    expect(await timed(async () => expect((await fetch(`${base}/api/ready`)).status).toBe(200))).toBeLessThan(
      STALLED_MS,
    );
    await page.context().clearCookies();
    await page.goto(`${base}/signin`);
    await page.getByLabel("Email").fill("olga@example.com");
    await page.getByLabel("Password").fill("olga-password-1");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
    expect(
      await timed(async () =>
        expect((await page.goto(`${base}/registry`, { waitUntil: "commit" }))?.status()).toBe(200),
      ),
    ).toBeLessThan(STALLED_MS);
    expect(
      await timed(async () =>
        expect(firstText(await pavel.callTool({ name: "protected__whoami", arguments: {} }))).toBe("pavel"),
      ),
    ).toBeLessThan(STALLED_MS);

    // The refresh gives up (ARCHESTRA_OUTBOUND_TIMEOUT_SECONDS, 10 s by default) and says why.
    const result = await stalled;
    expect(result.isError).toBe(true);
    expect(firstText(result)).toMatch(
      /Refreshing the access token failed: http:\/\/127\.0\.0\.1:\d+ did not answer within 10 s/,
    );
    await page.goto(`${base}/credentials`);
    await expect(
      page.getByRole("table", { name: "Credentials" }).getByRole("row", { name: /Protected/ }),
    ).toContainText("did not answer within 10 s");
  } finally {
    await control("hang=0&reject=");
    await olga.close();
    await pavel.close();
  }
});

test("changed sign-in endpoints wait for an admin to confirm them on the server's page", async ({ page, baseURL }) => {
  const base = baseURL ?? "";
  const admin = await tokenFor(base, ADMIN.email, ADMIN.password);
  // The server's metadata now names another authorization server (here: the SSO provider).
  await control(`as=${encodeURIComponent(OIDC.issuer)}`);
  try {
    await page.context().clearCookies();
    await page.goto(`${base}/registry/protected?install=1`);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    const dialog = page.getByRole("dialog", { name: /Protected/ });
    // The admin is connected already: the dialog offers to replace the credential.
    await dialog.getByRole("button", { name: /with Protected$/ }).click();
    await expect(dialog.getByRole("alert")).toContainText("sign-in endpoints changed");
    await expect(dialog.getByRole("alert")).toContainText("an admin confirms");

    await page.goto(`${base}/registry/protected`);
    const changed = page.getByRole("region", { name: "Changed sign-in endpoints" });
    await expect(changed).toContainText(`token endpoint: http://127.0.0.1:${OAUTH_AS_PORT}/token -> ${OIDC.issuer}`);
    const before = (await api(base, admin, "GET", "/catalog/protected/oauth-endpoints")) as {
      pinned: { issuer: string };
      pending: { issuer: string };
    };
    expect(before.pending.issuer).toBe(OIDC.issuer);
    await changed.getByRole("button", { name: "Confirm new sign-in endpoints for Protected" }).click();
    await expect(changed).toBeHidden();
    const after = (await api(base, admin, "GET", "/catalog/protected/oauth-endpoints")) as {
      pinned: { issuer: string };
      pending: null;
    };
    expect(after).toEqual({ pinned: expect.objectContaining({ issuer: OIDC.issuer }), pending: null });
  } finally {
    await control("as=");
  }
});
