import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";

// These start their own server processes (the build from `npm run test:e2e`) on other ports.
const SERVER = path.resolve("scripts/server.mjs");

interface Server {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startServer(port: number, env: Record<string, string>): Server {
  let out = "";
  const proc = spawn(process.execPath, [SERVER, "--port", String(port), "--hostname", "127.0.0.1"], {
    env: { ...process.env, DATABASE_URL: "", ARCHESTRA_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout?.on("data", (d) => {
    out += d;
  });
  proc.stderr?.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

async function waitReady(port: number, server: Server): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/api/ready`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    if (server.proc.exitCode !== null) throw new Error(`server exited:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server not ready:\n${server.output()}`);
}

async function stop(server: Server): Promise<void> {
  server.proc.kill("SIGTERM");
  await server.exited;
}

test("data created survives a restart; the admin comes from the environment", async ({ request: _ }, testInfo) => {
  const dataDir = testInfo.outputPath("data");
  const port = 3201;
  const env = {
    ARCHESTRA_DATA_DIR: dataDir,
    ARCHESTRA_ADMIN_EMAIL: "root@example.com",
    ARCHESTRA_ADMIN_PASSWORD: "root-password-1",
  };
  const base = `http://127.0.0.1:${port}/api/v1`;

  const first = startServer(port, env);
  await waitReady(port, first);
  const login = await fetch(`${base}/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "root@example.com", password: "root-password-1" }),
  });
  expect(login.status).toBe(201);
  const { token } = (await login.json()) as { token: string };
  const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const created = await fetch(`${base}/teams`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ name: "Persisted" }),
  });
  expect(created.status).toBe(201);
  // The generated secrets are private to the owner.
  for (const file of ["encryption-keys", "auth-secret"]) {
    expect(fs.statSync(path.join(dataDir, file)).mode & 0o777).toBe(0o600);
  }
  // Nothing secret in the logs: not the admin password, not the token.
  expect(first.output()).not.toContain("root-password-1");
  expect(first.output()).not.toContain(token);
  await stop(first);

  const second = startServer(port, env);
  await waitReady(port, second);
  const teams = await fetch(`${base}/teams`, { headers: auth });
  expect(teams.status).toBe(200);
  const body = (await teams.json()) as { teams: { name: string }[] };
  expect(body.teams.map((t) => t.name)).toEqual(["Persisted"]);
  await stop(second);
});

test("a bad configuration value stops the start with a message naming it", async ({ request: _ }, testInfo) => {
  const server = startServer(3202, {
    ARCHESTRA_DATA_DIR: testInfo.outputPath("data"),
    ARCHESTRA_LOG_LEVEL: "chatty",
    ARCHESTRA_ADMIN_EMAIL: "not-an-email",
  });
  const code = await server.exited;
  expect(code).toBe(1);
  expect(server.output()).toContain("Invalid configuration:");
  expect(server.output()).toContain(
    'ARCHESTRA_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent (got "chatty")',
  );
  expect(server.output()).toContain("ARCHESTRA_ADMIN_EMAIL: expected an email address");
});

test("a malformed encryption key stops the start and says how to make one", async ({ request: _ }, testInfo) => {
  const server = startServer(3203, {
    ARCHESTRA_DATA_DIR: testInfo.outputPath("data"),
    ARCHESTRA_ENCRYPTION_KEYS: "1:dG9vIHNob3J0",
  });
  expect(await server.exited).toBe(1);
  expect(server.output()).toContain("ARCHESTRA_ENCRYPTION_KEYS: key version 1 decodes to 9 bytes");
  expect(server.output()).toContain("openssl rand -base64 32");
});
