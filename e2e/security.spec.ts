import http from "node:http";
import { type APIRequestContext, expect, type Page, test } from "@playwright/test";
import { ADMIN, signIn, signOut } from "./support";

// Runs on its own or after the other specs: the admin is set up here when nobody has yet.
async function signInAsAdmin(page: Page): Promise<void> {
  await page.goto("/");
  if (/\/setup$/.test(page.url())) {
    await page.getByLabel("Your name").fill(ADMIN.name);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Create admin account" }).click();
  } else {
    await signIn(page, ADMIN.email, ADMIN.password);
  }
  await expect(page.getByRole("heading", { name: `Welcome, ${ADMIN.name}` })).toBeVisible();
}

/** A raw request, so the target and headers reach the server byte for byte. */
function raw(baseURL: string, target: string, headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(baseURL);
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request({ hostname, port, path: target, headers }, (res) => {
      let body = "";
      res.on("data", (c) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test.describe
  .serial("security", () => {
    test("after sign-in, no callbackUrl leads off the site", async ({ page, baseURL }) => {
      await signInAsAdmin(page);
      const request: APIRequestContext = page.context().request;
      const bypasses = [
        "/%09/evil.example", // the finding: answered Location: /<TAB>/evil.example
        "//evil.example",
        "/\\evil.example",
        "/%5Cevil.example",
        "/%252F%252Fevil.example",
        "/%2F%2Fevil.example",
        "https:evil.example",
        "https://evil.example/",
        "/.//evil.example",
        "/%0d%0a/evil.example",
      ];
      for (const callbackUrl of bypasses) {
        const res = await request.get(`/signin?callbackUrl=${callbackUrl}`, { maxRedirects: 0 });
        const location = res.headers().location ?? "";
        expect(res.status(), callbackUrl).toBeGreaterThanOrEqual(300);
        expect(res.status(), callbackUrl).toBeLessThan(500);
        if (location) {
          expect(location, callbackUrl).not.toMatch(/[\t\r\n\\]/);
          expect(new URL(location, baseURL).origin, callbackUrl).toBe(new URL(baseURL as string).origin);
        }
      }
      // A same-site path still works.
      const ok = await request.get("/signin?callbackUrl=%2Fteams", { maxRedirects: 0 });
      expect(ok.headers().location).toMatch(/^(http:\/\/127\.0\.0\.1:\d+)?\/teams$/);
    });

    test("CR, LF or NUL in a parameter or a gateway slug is a 4xx, never a 500", async ({ baseURL }) => {
      for (const target of [
        "/signin?callbackUrl=%0d%0aSet-Cookie:%20x=1",
        "/signin?callbackUrl=/%00",
        "/api/mcp/team%0d%0aX-Injected:%201",
        "/api/mcp/%00",
        "/api/mcp/gw%0a",
        "/registry/%00",
        "/gateways/a%0d%0ab",
        "/api/v1/teams/%00/members",
        "/.well-known/oauth-protected-resource/api/mcp/a%0d%0ab",
      ]) {
        const res = await raw(baseURL as string, target, { authorization: "Bearer mcpo_nothing" });
        expect(res.status, target).toBeGreaterThanOrEqual(400);
        expect(res.status, target).toBeLessThan(500);
        expect(res.headers["x-injected"], target).toBeUndefined();
      }
    });

    test("single sign-on cannot take over an account by claiming its email", async ({ page }) => {
      await page.goto("/signin");
      await page.getByRole("button", { name: "Continue with Test SSO" }).click();
      // An account at the provider that merely claims the admin's address (no email_verified).
      await page.locator('input[name="login"]').fill(`unverified:${ADMIN.email}`);
      await page.locator('input[name="password"]').fill("anything");
      await page.getByRole("button", { name: "Sign-in" }).click();
      await page.getByRole("button", { name: "Continue" }).click();
      await expect(page).toHaveURL(/\/signin/);
      await expect(page.getByRole("main").getByRole("alert")).toContainText(
        "did not confirm that your email address is verified",
      );
      await page.goto("/");
      await expect(page).toHaveURL(/\/signin/);

      // The admin's account is still a password account, not linked to that login.
      await signInAsAdmin(page);
      await page.goto("/users");
      await expect(page.getByRole("row", { name: new RegExp(ADMIN.email) })).not.toContainText("single sign-on");
    });

    test("pages and API answers carry the security headers; the UI works under the policy", async ({
      page,
      baseURL,
    }) => {
      const violations: string[] = [];
      page.on("console", (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
      });
      page.on("pageerror", (e) => violations.push(e.message));
      await signInAsAdmin(page);

      const pageRes = await page.context().request.get("/teams");
      const csp = pageRes.headers()["content-security-policy"] ?? "";
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toMatch(/script-src [^;]*'nonce-[A-Za-z0-9+/=]{16,}'/);
      expect(csp).not.toMatch(/script-src [^;]*'unsafe-inline'/);
      expect(pageRes.headers()["x-content-type-options"]).toBe("nosniff");
      expect(pageRes.headers()["referrer-policy"]).toBe("no-referrer");
      expect(pageRes.headers()["x-frame-options"]).toBe("DENY");
      // Secure cookies are off in this run: no HSTS on plain HTTP.
      expect(pageRes.headers()["strict-transport-security"]).toBeUndefined();
      // Each answer has its own nonce.
      const again = (await page.context().request.get("/teams")).headers()["content-security-policy"];
      expect(again).not.toBe(csp);

      for (const target of ["/api/health", "/api/v1/teams", "/api/mcp/no-such-gateway", "/api/auth/session"]) {
        const res = await raw(baseURL as string, target);
        expect(res.headers["x-content-type-options"], target).toBe("nosniff");
        expect(res.headers["content-security-policy"], target).toContain("frame-ancestors 'none'");
        expect(res.headers["referrer-policy"], target).toBe("no-referrer");
      }

      // The dashboard works: client navigation, a form with client-side state, a server action.
      const nav = page.getByRole("navigation", { name: "Main" });
      await nav.getByRole("link", { name: "Teams" }).click();
      await expect(page).toHaveURL(/\/teams$/);
      await nav.getByRole("link", { name: "Tokens" }).click();
      await expect(page).toHaveURL(/\/tokens$/);
      await page.getByLabel("Token name").fill("csp check");
      await page.getByRole("button", { name: "Create token" }).click();
      await expect(page.getByTestId("new-token").locator("code")).toContainText(/^mcpo_/);
      expect(violations).toEqual([]);
    });

    test("the dashboard cannot be framed", async ({ page, baseURL }) => {
      // Another origin's page framing the dashboard.
      const server = http.createServer((_req, res) => {
        res.writeHead(200, { "content-type": "text/html" });
        res.end(`<!doctype html><iframe id="f" src="${baseURL}/signin" width="600" height="400"></iframe>`);
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.2", r));
      const { port } = server.address() as { port: number };
      try {
        const blocked = page.waitForEvent("console", (m) =>
          /frame-ancestors|refused to (display|frame)/i.test(m.text()),
        );
        await page.goto(`http://127.0.0.2:${port}/`);
        await blocked;
        const frame = page.frames().find((f) => f !== page.mainFrame());
        await expect(page.locator("#f")).toBeVisible();
        // Nothing of the sign-in page rendered inside the frame.
        expect(
          await frame
            ?.locator("input[name=email]")
            .count()
            .catch(() => 0),
        ).toBe(0);
      } finally {
        server.close();
      }
    });

    test("a spoofed X-Forwarded-Host changes no link and no WWW-Authenticate", async ({ page, baseURL }) => {
      const spoof = { "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" };
      const gw = await raw(baseURL as string, "/api/mcp/any-gateway", spoof);
      expect(gw.status).toBe(401);
      expect(gw.headers["www-authenticate"]).toContain(`resource_metadata="${baseURL}/`);
      expect(gw.headers["www-authenticate"]).not.toContain("evil.example");

      const metadata = await raw(baseURL as string, "/.well-known/oauth-protected-resource/api/mcp/any-gateway", spoof);
      expect(JSON.parse(metadata.body).resource).toBe(`${baseURL}/api/mcp/any-gateway`);

      // The link a signed-in person is given for a gateway.
      await signInAsAdmin(page);
      const headers = page.context().request;
      const gateways = await headers.get("/gateways", { headers: spoof });
      expect(await gateways.text()).not.toContain("evil.example");
    });

    test("X-Forwarded-For does not change the sign-in throttle's key", async ({ baseURL }) => {
      const attempt = async (email: string, password: string, xff: string) => {
        const started = Date.now();
        const res = await fetch(`${baseURL}/api/v1/auth/token`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": xff },
          body: JSON.stringify({ email, password, name: "throttle" }),
        });
        return { status: res.status, ms: Date.now() - started };
      };
      // Password spraying: a new email each time, and a new claimed address each time.
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const res = await attempt(`spray-${i}@example.com`, "wrong-password", `198.51.100.${i + 1}`);
        expect(res.status).toBe(401);
        times.push(res.ms);
      }
      // The first three failures are free; after seven from this one peer, the next waits 4 s.
      const baseline = Math.max(...times.slice(0, 3));
      const eighth = await attempt("spray-7@example.com", "wrong-password", "198.51.100.99");
      expect(eighth.status).toBe(401);
      expect(eighth.ms - baseline).toBeGreaterThanOrEqual(3000);
      // A good sign-in from this peer clears its count (for the specs that follow).
      expect((await attempt(ADMIN.email, ADMIN.password, "198.51.100.100")).status).toBe(201);
    });

    test("a copied session cookie stops working once its owner signs out", async ({ page, browser, baseURL }) => {
      await signInAsAdmin(page);
      const copied = await page.context().cookies();
      expect(copied.some((c) => c.name.includes("session-token"))).toBe(true);

      // The copy works while the session lasts.
      const thief = await browser.newContext({ baseURL });
      await thief.addCookies(copied);
      const stolen = await thief.newPage();
      await stolen.goto("/teams");
      await expect(stolen).toHaveURL(/\/teams$/);
      const before = await thief.request.get("/api/auth/session");
      expect((await before.json())?.user?.email).toBe(ADMIN.email);

      await page.goto("/");
      await signOut(page);

      await stolen.goto("/teams");
      await expect(stolen).toHaveURL(/\/signin\?callbackUrl=%2Fteams/);
      const after = await thief.request.get("/api/auth/session");
      expect(await after.json()).toBeNull();
      // A server action with the old cookie is refused too (the sign-in page, not the data).
      const fresh = await browser.newContext({ baseURL });
      await fresh.addCookies(copied);
      const res = await fresh.request.get("/tokens", { maxRedirects: 0 });
      expect(res.status()).toBeGreaterThanOrEqual(300);
      expect(res.headers().location ?? "").toMatch(/\/signin/);
      await thief.close();
      await fresh.close();

      // Signing in again works.
      await signInAsAdmin(page);
    });
  });
