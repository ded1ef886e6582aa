import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, type Page, type TestInfo } from "@playwright/test";

export const ADMIN = { name: "Ada Admin", email: "ada@example.com", password: "admin-password-1" };
export const MEMBER = { name: "Max Member", email: "max@example.com", password: "member-password-1" };

/** Page object for the sign-in page. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(/\/signin/);
}

/** Saves a full-page screenshot into this test's output folder. */
export async function snap(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

const run = promisify(execFile);

/** Runs the CLI as a user would (`npm run cli -- ...`), with its own config directory. */
export async function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run("node", ["--import", "tsx", "cli/index.ts", ...args], {
      env: { ...process.env, ...env },
      timeout: 30_000,
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? "", stderr: e.stderr ?? "", code: e.code ?? 1 };
  }
}

/** A management API call with a bearer token; a failure fails the test with the answer. */
export async function api(baseURL: string, token: string, method: string, route: string, body?: unknown) {
  const res = await fetch(`${baseURL}/api/v1${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A new personal token for a person, from their password. */
export async function tokenFor(baseURL: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${baseURL}/api/v1/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password, name: "e2e" }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

/** The text of a tool result's first content item. */
export const firstText = (result: unknown) =>
  ((result as { content: { text: string }[] }).content[0] as { text: string }).text;

/**
 * A local catalog entry with one credential of `token`'s (its `env`, if any), ready once the
 * server's tools are discovered. Returns the credential's id.
 */
export async function addLocalServer(
  baseURL: string,
  token: string,
  entry: { name: string; slug: string; command: string; args?: string[]; env?: unknown[] },
  credentialEnv?: Record<string, string>,
): Promise<string> {
  await api(baseURL, token, "POST", "/catalog", { kind: "local", ...entry });
  const { credential } = (await api(
    baseURL,
    token,
    "POST",
    `/catalog/${entry.slug}/credentials`,
    credentialEnv ? { env: credentialEnv } : {},
  )) as { credential: { id: string } };
  await expect
    .poll(
      async () =>
        ((await api(baseURL, token, "GET", "/catalog")) as { items: { slug: string; tools: unknown[] }[] }).items.find(
          (i) => i.slug === entry.slug,
        )?.tools.length ?? 0,
      { timeout: 30_000 },
    )
    .toBeGreaterThan(0);
  return credential.id;
}
