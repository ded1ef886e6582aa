/**
 * Two builds of the app side by side under the same load, in turn: the way to see what a change
 * does to the gateway on a machine whose speed drifts from minute to minute. Each build serves a
 * local stdio instance (server-everything) behind a gateway; 10 connections (CONNS) call `echo`
 * for 2 s on one, then the other, SLICES times; the totals are calls per second and the app's CPU
 * time per call.
 *
 *   npx tsx --tsconfig tsconfig.json bench/compare.ts <other build's directory>
 *
 * The other directory is a built checkout, for example:
 *   git worktree add ../base <commit> && (cd ../base && npm ci && npx next build)
 * This checkout must be built too (`npx next build`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "@/lib/net/free-port";
import { hammer, mcpSession } from "./load";

const children: ChildProcess[] = [];

function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await fetch(url).catch(() => null))?.ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

/** Starts one build's app server and sets up a gateway in front of a local stdio instance. */
async function serve(dir: string) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [path.join(dir, "scripts/server.mjs"), "--port", String(port), "--hostname", "127.0.0.1"],
    {
      cwd: dir,
      env: {
        ...process.env,
        ARCHESTRA_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "compare-")),
        ARCHESTRA_ADMIN_EMAIL: "bench@example.com",
        ARCHESTRA_ADMIN_PASSWORD: "bench-password-1",
        ARCHESTRA_LOG_LEVEL: "warn",
        ARCHESTRA_SEED_CATALOG: "false",
        DATABASE_URL: "",
      },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  children.push(child);
  const app = `http://127.0.0.1:${port}`;
  await waitReady(`${app}/api/ready`);
  const call = async (route: string, body?: unknown, token?: string) => {
    const r = await fetch(`${app}/api/v1${route}`, {
      method: body === undefined ? "GET" : route.endsWith("assignments") ? "PUT" : "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`${route}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  const { token } = (await call("/auth/token", { email: "bench@example.com", password: "bench-password-1" })) as {
    token: string;
  };
  const command = path.resolve("node_modules/.bin/mcp-server-everything");
  await call("/catalog", { kind: "local", name: "Everything", slug: "everything", command, args: ["stdio"] }, token);
  await call("/catalog/everything/credentials", {}, token);
  await call("/gateways", { name: "Compare", slug: "compare" }, token);
  for (let i = 0; i < 100; i++) {
    const { items } = (await call("/catalog", undefined, token)) as { items: { slug: string; tools: unknown[] }[] };
    if (items.find((x) => x.slug === "everything")?.tools.length) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await call(
    "/gateways/compare/assignments",
    { assignments: [{ server: "everything", tools: ["echo"], prefix: "" }] },
    token,
  );
  const url = `${app}/api/mcp/compare`;
  const clients = await Promise.all(
    Array.from({ length: Number(process.env.CONNS ?? 10) }, () => mcpSession(url, token)),
  );
  return { url, clients, pid: child.pid as number };
}

async function main() {
  const other = process.argv[2];
  if (!other) throw new Error("usage: bench/compare.ts <other build's directory>");
  const builds = { [path.basename(path.resolve(other))]: await serve(path.resolve(other)), this: await serve(".") };
  const params = JSON.stringify({ name: "echo", arguments: { message: "x".repeat(64) } });
  const totals = Object.fromEntries(Object.keys(builds).map((k) => [k, { ok: 0, cpu: 0, seconds: 0 }]));
  const slices = Number(process.env.SLICES ?? 10);
  // The first round warms both up and is not counted.
  for (let round = -1; round < slices; round++) {
    for (const [name, build] of Object.entries(builds)) {
      const before = cpuSeconds(build.pid);
      const result = await hammer({
        url: build.url,
        clients: build.clients,
        body: (id) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":${params}}`,
        expected: (a) => a.status === 200 && a.body.includes("Echo: x"),
        seconds: 2,
      });
      if (result.errors) console.log(`${name}: ${result.errors} errors, first: ${result.firstError}`);
      const total = totals[name];
      if (round < 0 || !total) continue;
      total.ok += result.ok;
      total.cpu += cpuSeconds(build.pid) - before;
      total.seconds += 2;
    }
  }
  for (const [name, t] of Object.entries(totals)) {
    console.log(
      `${name}: ${(t.ok / t.seconds).toFixed(0)} calls/s, app CPU ${((t.cpu * 1000) / t.ok).toFixed(3)} ms per call`,
    );
  }
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) c.kill("SIGTERM");
  });
