import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { ADMIN, cli, MEMBER, signIn, signOut, snap } from "./support";

// One story in order: the product starts empty, so set-up must come first.
test.describe
  .serial("first run, teams and members", () => {
    test("health and readiness answer", async ({ request }) => {
      expect((await request.get("/api/health")).status()).toBe(200);
      const ready = await request.get("/api/ready");
      expect(ready.status()).toBe(200);
      expect(await ready.json()).toEqual({ status: "ready" });
    });

    test("first-run set-up creates the admin, then closes", async ({ page }, testInfo) => {
      await page.goto("/");
      await expect(page).toHaveURL(/\/setup$/);
      await expect(page.getByRole("heading", { name: "Welcome" })).toBeVisible();
      await snap(page, testInfo, "01-setup");

      // Field-level errors come back from the server, and nothing typed is lost.
      await page.getByLabel("Your name").fill(ADMIN.name);
      await page.getByLabel("Email").fill(ADMIN.email);
      await page.getByLabel("Password").fill("short");
      await page.getByLabel("Password").evaluate((el) => el.removeAttribute("minlength"));
      await page.getByRole("button", { name: "Create admin account" }).click();
      await expect(page.getByText("Use at least 8 characters.")).toBeVisible();
      await expect(page.getByLabel("Email")).toHaveValue(ADMIN.email);

      await page.getByLabel("Password").fill(ADMIN.password);
      await page.getByRole("button", { name: "Create admin account" }).click();
      await expect(page.getByRole("heading", { name: `Welcome, ${ADMIN.name}` })).toBeVisible();
      await snap(page, testInfo, "02-overview-admin");

      await page.goto("/setup");
      await expect(page).toHaveURL(/\/signin|\/$/);
    });

    test("a wrong password and an unknown email get the same message", async ({ page }) => {
      await signIn(page, ADMIN.email, "not the password");
      const message = page.getByRole("main").getByRole("alert");
      await expect(message).toHaveText("Email or password is incorrect.");
      await signIn(page, "nobody@example.com", "whatever-password");
      await expect(page.getByRole("main").getByRole("alert")).toHaveText("Email or password is incorrect.");
      await expect(page).toHaveURL(/\/signin/);
    });

    test("pages and the API refuse anyone signed out", async ({ page, request }) => {
      await page.goto("/teams");
      await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fteams/);
      const api = await request.get("/api/v1/teams");
      expect(api.status()).toBe(401);
      expect(api.headers()["www-authenticate"]).toContain("Bearer");
    });

    test("the admin creates a member and a team, and adds the member to it", async ({ page }, testInfo) => {
      await signIn(page, ADMIN.email, ADMIN.password);
      await expect(page.getByRole("heading", { name: `Welcome, ${ADMIN.name}` })).toBeVisible();

      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
      await page.getByLabel("Name").fill(MEMBER.name);
      await page.getByLabel("Email").fill(MEMBER.email);
      await page.getByLabel("Initial password").fill(MEMBER.password);
      await page.getByRole("button", { name: "Create user" }).click();
      await expect(page.getByRole("status")).toContainText(`Account for ${MEMBER.email} created`);
      await expect(page.getByRole("table", { name: "Users" })).toContainText(MEMBER.email);
      await snap(page, testInfo, "03-users");

      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Teams" }).click();
      await expect(page.getByText("No teams yet")).toBeVisible();
      await page.getByLabel("Team name").fill("Platform");
      await page.getByRole("button", { name: "Create team" }).click();
      await expect(page.getByRole("status")).toContainText("Team “Platform” created.");
      // The same name again is refused with a field error.
      await page.getByLabel("Team name").fill("platform");
      await page.getByRole("button", { name: "Create team" }).click();
      await expect(page.getByText("A team with that name already exists.")).toBeVisible();
      await snap(page, testInfo, "04-teams");

      await page.getByRole("table", { name: "Teams" }).getByRole("link", { name: "Platform" }).click();
      await expect(page.getByRole("heading", { name: "Platform" })).toBeVisible();
      await page.getByLabel("Member email").fill("stranger@example.com");
      await page.getByRole("button", { name: "Add member" }).click();
      await expect(page.getByText("No user has that email.").first()).toBeVisible();
      await page.getByLabel("Member email").fill(MEMBER.email);
      await page.getByRole("button", { name: "Add member" }).click();
      await expect(page.getByRole("table", { name: "Members" })).toContainText(MEMBER.email);
      await snap(page, testInfo, "05-team");
      await signOut(page);
    });

    test("the member signs in and sees the team, but not admin pages", async ({ page }, testInfo) => {
      await signIn(page, MEMBER.email, MEMBER.password);
      await expect(page.getByRole("heading", { name: `Welcome, ${MEMBER.name}` })).toBeVisible();
      await expect(page.getByRole("link", { name: "Platform" })).toBeVisible();
      await expect(page.getByRole("link", { name: "Users" })).toHaveCount(0);
      await snap(page, testInfo, "06-overview-member");

      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Teams" }).click();
      await expect(page.getByRole("table", { name: "Teams" })).toContainText("Platform");
      await expect(page.getByRole("button", { name: "Create team" })).toHaveCount(0);
      await page.getByRole("table", { name: "Teams" }).getByRole("link", { name: "Platform" }).click();
      await expect(page.getByRole("button", { name: "Add member" })).toHaveCount(0);
      await snap(page, testInfo, "07-team-member-view");

      await page.goto("/users");
      await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
    });

    test("a personal token, shown once, drives the CLI", async ({ page, baseURL }, testInfo) => {
      await signIn(page, ADMIN.email, ADMIN.password);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Tokens" }).click();
      await page.getByLabel("Token name").fill("e2e");
      await page.getByRole("button", { name: "Create token" }).click();
      const token = (await page.getByTestId("new-token").locator("code").textContent())?.trim() ?? "";
      expect(token).toMatch(/^mcpo_u_[0-9a-f]{8}_/);
      await snap(page, testInfo, "08-tokens");
      await page.reload();
      await expect(page.getByTestId("new-token")).toHaveCount(0);
      await expect(page.getByRole("table", { name: "Tokens" })).toContainText(token.slice(0, 15));
      expect(await page.content()).not.toContain(token);

      const home = fs.mkdtempSync(path.join(os.tmpdir(), "cli-home-"));
      const env = { HOME: home, ARCHESTRA_URL: baseURL ?? "", ARCHESTRA_TOKEN: token };
      const teams = await cli(["teams", "list"], env);
      expect(teams.code, teams.stderr).toBe(0);
      expect(teams.stdout).toContain("platform");

      const created = await cli(["teams", "create", "--name", "Data Science"], env);
      expect(created.stdout).toContain("Created team Data Science (data-science)");
      const user = await cli(
        ["users", "create", "--email", "cli@example.com", "--name", "Cli", "--password", "cli-password-1"],
        env,
      );
      expect(user.code, user.stderr).toBe(0);
      const added = await cli(["members", "add", "data-science", "--email", "cli@example.com", "--role", "admin"], env);
      expect(added.code, added.stderr).toBe(0);
      const shown = await cli(["teams", "show", "data-science", "--json"], env);
      expect(JSON.parse(shown.stdout).members).toEqual([
        expect.objectContaining({ email: "cli@example.com", role: "admin" }),
      ]);

      const keys = await cli(["keys", "reencrypt"], env);
      expect(keys.stdout).toMatch(/re-sealed 0 under key version 1\./);

      // Bad input is refused with the server's message, and nothing changes.
      const bad = await cli(["users", "create", "--email", "nope", "--name", "x", "--password", "cli-password-1"], env);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("Enter a valid email address.");

      // login saves a token with mode 0600 that later commands use.
      const login = await cli(["login", "--email", MEMBER.email, "--password", MEMBER.password], {
        HOME: home,
        ARCHESTRA_URL: baseURL ?? "",
      });
      expect(login.code, login.stderr).toBe(0);
      const config = path.join(home, ".config", "mcp-orchestrator", "cli.json");
      expect(fs.statSync(config).mode & 0o777).toBe(0o600);
      const whoami = await cli(["whoami"], { HOME: home, ARCHESTRA_URL: baseURL ?? "" });
      expect(whoami.stdout).toContain(MEMBER.email);
      const denied = await cli(["teams", "create", "--name", "Nope"], { HOME: home, ARCHESTRA_URL: baseURL ?? "" });
      expect(denied.stderr).toContain("Only admins can create teams.");

      // Team tokens from the CLI: created, listed, rotated (the old one stops, the new one acts for the team).
      const teamToken = await cli(["tokens", "create", "--name", "bot", "--team", "data-science", "--json"], env);
      expect(teamToken.code, teamToken.stderr).toBe(0);
      const bot = JSON.parse(teamToken.stdout) as { id: string; token: string };
      expect(bot.token).toMatch(/^mcpo_t_/);
      const rotatedBot = await cli(["tokens", "rotate", bot.id, "--json"], env);
      expect(rotatedBot.code, rotatedBot.stderr).toBe(0);
      const newBot = JSON.parse(rotatedBot.stdout) as { id: string; token: string; team_id: string; name: string };
      expect(newBot).toMatchObject({ name: "bot", replaced: bot.id });
      expect(newBot.token).toMatch(/^mcpo_t_/);
      const teamTokens = JSON.parse(
        (await cli(["tokens", "list", "--team", "data-science", "--json"], env)).stdout,
      ) as {
        tokens: { id: string; revoked_at: string | null }[];
      };
      expect(teamTokens.tokens.find((t) => t.id === bot.id)?.revoked_at).not.toBeNull();
      expect(teamTokens.tokens.find((t) => t.id === newBot.id)?.revoked_at).toBeNull();
      const orgTokens = await cli(["tokens", "list", "--org", "--json"], env);
      expect(orgTokens.code, orgTokens.stderr).toBe(0);
      const memberList = await fetch(`${baseURL}/api/v1/org/tokens`, {
        headers: { authorization: `Bearer ${bot.token}` },
      });
      expect(memberList.status).toBe(401);

      // Rotating in the UI shows the new token once; the old one stops working.
      await page.getByLabel("Token name").fill("rotating");
      await page.getByRole("button", { name: "Create token" }).click();
      const before = (await page.getByTestId("new-token").locator("code").textContent())?.trim() ?? "";
      const me = (t: string) => fetch(`${baseURL}/api/v1/me`, { headers: { authorization: `Bearer ${t}` } });
      expect((await me(before)).status).toBe(200);
      await page.getByRole("button", { name: "Rotate rotating" }).click();
      const rotatedInUi = (await page.getByTestId("revealed").locator("code").textContent())?.trim() ?? "";
      expect(rotatedInUi).toMatch(/^mcpo_u_[0-9a-f]{8}_/);
      expect(rotatedInUi).not.toBe(before);
      expect((await me(before)).status).toBe(401);
      expect((await me(rotatedInUi)).status).toBe(200);
      // The list catches up (the old token revoked) while the new token stays shown until dismissed.
      await expect(page.getByRole("table", { name: "Tokens", exact: true }).getByText("revoked")).toHaveCount(1);
      await expect(page.getByTestId("revealed").locator("code")).toHaveText(rotatedInUi);
      await page.getByTestId("revealed").getByRole("button", { name: "Done" }).click();
      await expect(page.getByTestId("revealed")).toHaveCount(0);

      // Revoking the admin's token stops it at once.
      const list = JSON.parse((await cli(["tokens", "list", "--json"], env)).stdout) as {
        tokens: { id: string; name: string }[];
      };
      const e2eToken = list.tokens.find((t) => t.name === "e2e");
      await cli(["tokens", "revoke", e2eToken?.id ?? ""], env);
      const after = await cli(["teams", "list"], env);
      expect(after.code).toBe(1);
      expect(after.stderr).toContain("unknown, revoked or expired");
    });
  });

test.describe
  .serial("single sign-on through OpenID Connect", () => {
    test("a new person signs in through the provider and becomes a member", async ({ page }, testInfo) => {
      await page.goto("/signin");
      await page.getByRole("button", { name: "Continue with Test SSO" }).click();
      // The provider's own login and consent pages.
      await page.locator('input[name="login"]').fill("grace");
      await page.locator('input[name="password"]').fill("anything");
      await page.getByRole("button", { name: "Sign-in" }).click();
      await page.getByRole("button", { name: "Continue" }).click();
      await expect(page.getByRole("heading", { name: "Welcome, SSO grace" })).toBeVisible();
      await expect(page.getByRole("link", { name: "Users" })).toHaveCount(0);
      await snap(page, testInfo, "09-sso-member");
      await signOut(page);

      // The admin sees the new account, marked as single sign-on.
      await signIn(page, ADMIN.email, ADMIN.password);
      await expect(page.getByRole("heading", { name: `Welcome, ${ADMIN.name}` })).toBeVisible();
      await page.goto("/users");
      const row = page.getByRole("row", { name: /grace@sso\.example\.com/ });
      await expect(row).toContainText("single sign-on");
      await expect(row).toContainText("member");
    });
  });
