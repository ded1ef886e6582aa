/**
 * Does the app's memory grow with the audit log? For each size in SIZES (events), writes that many
 * tool-call events into a fresh embedded database, starts the app on it (the build in .next), and
 * reports: the time to ready, the server's RSS when ready, and its RSS after the admin loads the
 * Audit page 20 times (first page, a filter, a page deep in the log).
 *
 *   npx next build && npx tsx --tsconfig tsconfig.json bench/audit-app-memory.ts   (SIZES=0,560000)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createDatabase, embeddedClient } from "@/db";
import { migrateToLatest } from "@/db/migrate";
import { AUDIT_COLUMNS } from "@/lib/audit/audit-queue";
import { copyRows } from "@/lib/audit/copy-rows";
import { type AuditRow, auditRow } from "@/lib/audit/record-event";
import { freePort } from "@/lib/net/free-port";
import { run, start, waitFor } from "./support";

const SIZES = (process.env.SIZES ?? "0,200000").split(",").map(Number);
const ADMIN = { email: "bench@example.com", password: "bench-password-1" };
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

function rssKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function seed(dataDir: string, events: number): Promise<void> {
  const handle = createDatabase({ pgliteDir: path.join(dataDir, "pglite") });
  await migrateToLatest(handle.db);
  const client = embeddedClient(handle.db);
  if (!client) throw new Error("expected the embedded database");
  const now = Date.now();
  for (let i = 0; i < events; i += 1000) {
    const rows: AuditRow[] = [];
    for (let j = i; j < Math.min(events, i + 1000); j++) {
      rows.push(
        auditRow(
          { action: "tool.call", outcome: j % 50 ? "ok" : "error", tool_name: "read_graph", duration_ms: j % 300 },
          new Date(now - 180 * 86_400_000 + (180 * 86_400_000 * j) / events),
        ),
      );
    }
    await copyRows(client, "audit_events", AUDIT_COLUMNS, rows);
  }
  await handle.close();
}

/** A signed-in session through the credentials sign-in, as the browser does it. */
async function signIn(url: string): Promise<string> {
  const csrf = await fetch(`${url}/api/auth/csrf`);
  const jar = csrf.headers.getSetCookie().map((c) => c.split(";")[0]);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.join("; ") },
    body: new URLSearchParams({ csrfToken, email: ADMIN.email, password: ADMIN.password, callbackUrl: url }),
  });
  return [...jar, ...res.headers.getSetCookie().map((c) => c.split(";")[0])].join("; ");
}

async function measure(events: number): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "audit-app-"));
  await seed(dataDir, events);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = start(process.execPath, [path.resolve("scripts/server.mjs"), "--port", String(port)], {
    ARCHESTRA_DATA_DIR: dataDir,
    ARCHESTRA_ADMIN_EMAIL: ADMIN.email,
    ARCHESTRA_ADMIN_PASSWORD: ADMIN.password,
    ARCHESTRA_LOG_LEVEL: "warn",
    ARCHESTRA_SEED_CATALOG: "false",
    DATABASE_URL: "",
  });
  await waitFor(`${url}/api/ready`);
  const readyMs = performance.now() - started;
  await new Promise((r) => setTimeout(r, 2000));
  const pid = child.pid as number;
  const idle = rssKb(pid);
  const cookie = await signIn(url);
  const pageMs: number[] = [];
  let older = "";
  for (let i = 0; i < 20; i++) {
    const query =
      i % 3 === 0 ? "" : i % 3 === 1 ? "?outcome=error" : older ? `?before=${encodeURIComponent(older)}` : "";
    const t = performance.now();
    const res = await fetch(`${url}/audit${query}`, { headers: { cookie } });
    const html = await res.text();
    pageMs.push(performance.now() - t);
    if (res.status !== 200 || !html.includes("Who did what")) throw new Error(`/audit${query}: ${res.status}`);
    older = /before=([^"&]+)/.exec(html)?.[1]?.replaceAll("%3A", ":") ?? older;
  }
  const after = rssKb(pid);
  const dir = fs
    .readdirSync(dataDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
  pageMs.sort((a, b) => a - b);
  console.log(
    `${String(events).padStart(7)} events: data dir ${mb(dir / 1024)}, ready in ${(readyMs / 1000).toFixed(1)} s, rss when ready ${mb(idle)}, after 20 Audit pages ${mb(after)} (page median ${pageMs[10]?.toFixed(0)} ms, max ${pageMs.at(-1)?.toFixed(0)} ms)`,
  );
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  fs.rmSync(dataDir, { recursive: true, force: true });
}

run(async () => {
  for (const size of SIZES) await measure(size);
});
