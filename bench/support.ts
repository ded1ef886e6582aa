/** What the benchmarks share: the processes they start, the app signed in as its admin, CPU time. */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { freePort } from "@/lib/net/free-port";

const children: ChildProcess[] = [];

const handedOut = new Set<number>();

/**
 * A loopback port nothing listens on: any free one, or with BENCH_PORTS=<first>-<last> one of
 * that range (on a machine where each user of it has their own), never the same one twice.
 */
export async function benchPort(): Promise<number> {
  const range = process.env.BENCH_PORTS?.match(/^(\d+)-(\d+)$/);
  if (!range) return freePort();
  for (let port = Number(range[1]); port <= Number(range[2]); port++) {
    if (handedOut.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (!free) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`BENCH_PORTS=${process.env.BENCH_PORTS}: no free port left`);
}

/** Starts a process that `run` stops when the benchmark ends; its stderr shows. */
export function start(cmd: string, args: string[], env: Record<string, string>, cwd?: string): ChildProcess {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit"] });
  children.push(child);
  return child;
}

/** Runs a benchmark, then stops what it started. */
export function run(main: () => Promise<void>): void {
  main()
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    })
    .finally(() => {
      for (const c of children) c.kill("SIGTERM");
      // Clients that started processes of their own (stdio) would keep a failed run waiting.
      setTimeout(() => process.exit(), 2000).unref();
    });
}

/** A process's CPU time in seconds (Linux: /proc/<pid>/stat, 100 ticks a second); 0 elsewhere. */
export function cpuSeconds(pid?: number): number {
  if (!pid) return 0;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

export async function waitFor(url: string, ok: (r: Response) => boolean = (r) => r.ok): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const r = await fetch(url).catch(() => null);
    if (r && ok(r)) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`${url} did not come up`);
}

export interface BenchApp {
  /** Where it listens, e.g. http://127.0.0.1:PORT. */
  url: string;
  pid: number;
  /** The admin's API token. */
  token: string;
  /** The management API as the admin: GET without a body, PUT for assignments, POST otherwise. */
  api(route: string, body?: unknown): Promise<unknown>;
}

/**
 * The app as `npm start` serves it (scripts/server.mjs) from the build in `dir`, on a fresh
 * embedded database with an empty registry. APP_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
 * profiles it.
 */
export async function startApp(dir = "."): Promise<BenchApp> {
  const port = await benchPort();
  const child = start(
    process.execPath,
    [
      ...(process.env.APP_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
      path.resolve(dir, "scripts/server.mjs"),
      "--port",
      String(port),
      "--hostname",
      "127.0.0.1",
    ],
    {
      ARCHESTRA_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "bench-")),
      ARCHESTRA_ADMIN_EMAIL: "bench@example.com",
      ARCHESTRA_ADMIN_PASSWORD: "bench-password-1",
      ARCHESTRA_LOG_LEVEL: "warn",
      ARCHESTRA_SEED_CATALOG: "false",
      DATABASE_URL: "",
    },
    path.resolve(dir),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/api/ready`);
  const call = async (route: string, body?: unknown, token?: string) => {
    const r = await fetch(`${url}/api/v1${route}`, {
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
  return { url, pid: child.pid as number, token, api: (route, body) => call(route, body, token) };
}

/**
 * Installs the catalog entry `server` for the admin and makes gateway `slug` expose its `echo`
 * tool (unprefixed) once the server's tools are known. Returns the gateway's endpoint.
 */
export async function echoGateway(app: BenchApp, slug: string, server: string): Promise<string> {
  await app.api(`/catalog/${server}/credentials`, {});
  await app.api("/gateways", { name: slug, slug });
  for (let i = 0; i < 100; i++) {
    const { items } = (await app.api("/catalog")) as { items: { slug: string; tools: unknown[] }[] };
    if (items.find((x) => x.slug === server)?.tools.length) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await app.api(`/gateways/${slug}/assignments`, { assignments: [{ server, tools: ["echo"], prefix: "" }] });
  return `${app.url}/api/mcp/${slug}`;
}
