/**
 * Gateway-added latency and throughput, through the real app (`next start`, embedded database):
 *   - the same upstream (server-everything over streamable HTTP) called directly and through a
 *     gateway that reaches it as a remote server, interleaved, after warm-up, same payload;
 *   - at 1 and 10 concurrent clients: p50 and p99 of each path and of the difference;
 *   - throughput of tools/call through one app process with 10 clients for 5 s.
 *
 *   npm run bench:gateway        (builds first; CALLS=2000 per path per level)
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "@/lib/net/free-port";
import { performance } from "node:perf_hooks";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const CALLS = Number(process.env.CALLS ?? 2000);
const children: ChildProcess[] = [];

function start(cmd: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit"] });
  children.push(child);
  return child;
}

async function waitFor(url: string, ok: (r: Response) => boolean): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const r = await fetch(url).catch(() => null);
    if (r && ok(r)) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`${url} did not come up`);
}

async function connect(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: "bench", version: "1" });
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const ms = (x: number) => `${x.toFixed(2)} ms`;

async function main() {
  const upstreamPort = await freePort();
  const appPort = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-gw-"));
  start(path.resolve("node_modules/.bin/mcp-server-everything"), ["streamableHttp"], { PORT: String(upstreamPort) });
  start(
    process.execPath,
    [
      // APP_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the app under this load.
      ...(process.env.APP_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
      path.resolve("node_modules/next/dist/bin/next"),
      "start",
      "--port",
      String(appPort),
      "--hostname",
      "127.0.0.1",
    ],
    {
      ARCHESTRA_DATA_DIR: dataDir,
      ARCHESTRA_ADMIN_EMAIL: "bench@example.com",
      ARCHESTRA_ADMIN_PASSWORD: "bench-password-1",
      ARCHESTRA_LOG_LEVEL: "warn",
      DATABASE_URL: "",
    },
  );
  const upstream = `http://127.0.0.1:${upstreamPort}/mcp`;
  const app = `http://127.0.0.1:${appPort}`;
  await waitFor(`${app}/api/ready`, (r) => r.ok);
  await waitFor(upstream, (r) => r.status !== 0);

  const post = async (route: string, body: unknown, token?: string) => {
    const r = await fetch(`${app}/api/v1${route}`, {
      method: route.endsWith("assignments") ? "PUT" : "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`${route}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  const { token } = (await post("/auth/token", { email: "bench@example.com", password: "bench-password-1" })) as {
    token: string;
  };
  await post(
    "/catalog",
    { kind: "remote", name: "Everything", slug: "everything", url: upstream, authKind: "none" },
    token,
  );
  await post("/catalog/everything/credentials", {}, token);
  await post("/gateways", { name: "Bench", slug: "bench" }, token);
  await post(
    "/gateways/bench/assignments",
    { assignments: [{ server: "everything", tools: ["echo"], prefix: "" }] },
    token,
  );
  const gateway = `${app}/api/mcp/bench`;
  const args = { name: "echo", arguments: { message: "x".repeat(64) } };

  const rows: string[] = [];
  for (const concurrency of [1, 10]) {
    const direct = await Promise.all(Array.from({ length: concurrency }, () => connect(upstream)));
    const viaGateway = await Promise.all(Array.from({ length: concurrency }, () => connect(gateway, token)));
    const warm = async (clients: Client[]) =>
      Promise.all(
        clients.map(async (c) => {
          for (let i = 0; i < 100; i++) await c.callTool(args);
        }),
      );
    await warm(direct);
    await warm(viaGateway);
    const d: number[] = [];
    const g: number[] = [];
    const perWorker = Math.ceil(CALLS / concurrency);
    await Promise.all(
      Array.from({ length: concurrency }, async (_, w) => {
        for (let i = 0; i < perWorker; i++) {
          // Interleaved: each worker alternates paths, so drift affects both alike.
          let t = performance.now();
          await (direct[w] as Client).callTool(args);
          d.push(performance.now() - t);
          t = performance.now();
          await (viaGateway[w] as Client).callTool(args);
          g.push(performance.now() - t);
        }
      }),
    );
    rows.push(
      `| ${concurrency} | ${ms(pct(d, 50))} / ${ms(pct(d, 99))} | ${ms(pct(g, 50))} / ${ms(pct(g, 99))} | ${ms(pct(g, 50) - pct(d, 50))} / ${ms(pct(g, 99) - pct(d, 99))} |`,
    );
    await Promise.all([...direct, ...viaGateway].map((c) => c.close()));
  }

  const clients = await Promise.all(Array.from({ length: 10 }, () => connect(gateway, token)));
  let ok = 0;
  let errors = 0;
  const deadline = performance.now() + 5000;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < deadline) {
        try {
          const r = await c.callTool(args);
          if (r.isError) errors++;
          else ok++;
        } catch {
          errors++;
        }
      }
    }),
  );
  await Promise.all(clients.map((c) => c.close()));

  console.log(
    `\nGateway-added latency, echo tool, ${CALLS} calls per path per level, interleaved (${os.cpus().length} cores)\n`,
  );
  console.log("| clients | direct p50 / p99 | through gateway p50 / p99 | added p50 / p99 |\n|---|---|---|---|");
  for (const r of rows) console.log(r);
  console.log(
    `\nThroughput through one app process, 10 clients, 5 s: ${(ok / 5).toFixed(0)} tools/call per second, ${errors} errors.`,
  );
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) c.kill("SIGTERM");
  });
