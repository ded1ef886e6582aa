/**
 * What an ever-growing audit table costs the embedded database, and what retention gives back:
 *   1. writes N tool-call events (spread over 180 days) the way the audit queue does (COPY batches);
 *   2. reports the data directory's size, the process's RSS and PGlite's WASM memory;
 *   3. times the Audit page's query (first page, a filtered page, a page deep in the table);
 *   4. prunes what is older than RETENTION days in batches, timing each batch, then VACUUMs;
 *   5. writes the pruned number of rows again, to show the freed space is reused.
 *
 *   npx tsx --tsconfig tsconfig.json bench/audit-growth.ts      (N=560000 RETENTION=90 to change)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { sql } from "kysely";
import pino from "pino";
import { createDatabase, embeddedClient } from "@/db";
import { migrateToLatest } from "@/db/migrate";
import { migrations } from "@/db/migrations";
import { listAuditEvents } from "@/db/queries/audit";
import { AUDIT_COLUMNS } from "@/lib/audit/audit-queue";
import { AuditRetention } from "@/lib/audit/audit-retention";
import { copyRows } from "@/lib/audit/copy-rows";
import { pruneAuditEvents, vacuumAuditEvents } from "@/lib/audit/prune-audit-events";
import { type AuditRow, auditRow } from "@/lib/audit/record-event";

const N = Number(process.env.N ?? 200_000);
const RETENTION = Number(process.env.RETENTION ?? 90);
const SPAN_DAYS = 180;
const DAY = 86_400_000;

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
function dirSize(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

async function main() {
  console.log(`before opening the database: rss ${mb(process.memoryUsage().rss)}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "audit-growth-"));
  const handle = createDatabase({ pgliteDir: path.join(dir, "pglite") });
  const { db } = handle;
  const client = embeddedClient(db);
  if (!client) throw new Error("expected the embedded database");
  await migrateToLatest(db);
  const wasm = () => (client as unknown as { mod?: { HEAP8: Int8Array } }).mod?.HEAP8.byteLength ?? 0;
  const report = (label: string) =>
    console.log(
      `${label.padEnd(34)} data dir ${mb(dirSize(dir)).padStart(9)} (WAL ${mb(dirSize(path.join(dir, "pglite", "pg_wal")))})  rss ${mb(process.memoryUsage().rss).padStart(9)}  wasm ${mb(wasm()).padStart(9)}  js heap ${mb(process.memoryUsage().heapUsed).padStart(8)}  external ${mb(process.memoryUsage().external).padStart(8)}`,
    );
  report("empty");

  const now = Date.now();
  const ids = { token: crypto.randomUUID(), gateway: crypto.randomUUID(), item: crypto.randomUUID() };
  const write = async (count: number, from: number, to: number) => {
    const started = performance.now();
    for (let i = 0; i < count; i += 500) {
      const rows: AuditRow[] = [];
      for (let j = i; j < Math.min(count, i + 500); j++) {
        const at = new Date(from + ((to - from) * j) / count);
        rows.push(
          auditRow(
            {
              action: "tool.call",
              outcome: j % 50 === 0 ? "error" : "ok",
              actor_token_id: ids.token,
              token_kind: "user",
              gateway_id: ids.gateway,
              catalog_item_id: ids.item,
              tool_name: "read_graph",
              duration_ms: j % 300,
              error: j % 50 === 0 ? "upstream answered 502 Bad Gateway" : null,
            },
            at,
          ),
        );
      }
      await copyRows(client, "audit_events", AUDIT_COLUMNS, rows);
    }
    return performance.now() - started;
  };
  const ms = await write(N, now - SPAN_DAYS * DAY, now);
  console.log(`wrote ${N} events in ${(ms / 1000).toFixed(1)} s`);
  report(`after ${N} events`);

  // Migration 0010 on a log this size: what an upgrade costs at its first start.
  const m0010 = migrations["0010_audit_keyset_index"];
  await m0010?.down?.(db);
  const migrationStarted = performance.now();
  await m0010?.up(db);
  console.log(`migration 0010 (indexes) on ${N} events: ${(performance.now() - migrationStarted).toFixed(0)} ms`);

  const time = async (label: string, run: () => Promise<unknown>) => {
    const started = performance.now();
    await run();
    console.log(`  ${label}: ${(performance.now() - started).toFixed(1)} ms`);
  };
  await time("Audit page, first page", () => listAuditEvents(db, {}));
  await time("Audit page, action=tool.call", () => listAuditEvents(db, { action: "tool.call" }));
  await time("Audit page, outcome=denied (matches none)", () => listAuditEvents(db, { outcome: "denied" }));
  const middle = await db
    .selectFrom("audit_events")
    .select([sql<string>`to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as("at"), "id"])
    .orderBy("id")
    .offset(Math.floor(N / 2))
    .limit(1)
    .executeTakeFirstOrThrow();
  await time("Audit page, a page halfway down", () =>
    listAuditEvents(db, { before: { at: middle.at, id: String(middle.id) } }),
  );
  report("after the Audit page's queries");

  const batches: number[] = [];
  const pruneStarted = performance.now();
  const pruned = await pruneAuditEvents(db, {
    before: new Date(now - RETENTION * DAY),
    onBatch: (_, elapsedMs) => batches.push(elapsedMs),
  });
  console.log(
    `pruned ${pruned} events older than ${RETENTION} days in ${batches.length} batches, ${((performance.now() - pruneStarted) / 1000).toFixed(1)} s; batch p50 ${pct(batches, 50).toFixed(1)} ms, p99 ${pct(batches, 99).toFixed(1)} ms, max ${Math.max(...batches).toFixed(1)} ms`,
  );
  report("after pruning");
  const vacuumStarted = performance.now();
  await vacuumAuditEvents(db);
  console.log(`VACUUM audit_events: ${(performance.now() - vacuumStarted).toFixed(0)} ms`);
  report("after VACUUM");
  const checkpointStarted = performance.now();
  await sql`checkpoint`.execute(db);
  console.log(`CHECKPOINT: ${(performance.now() - checkpointStarted).toFixed(0)} ms`);
  report("after CHECKPOINT");
  await write(pruned, now, now + DAY);
  report(`after writing ${pruned} events again`);
  await sql`checkpoint`.execute(db);
  report("after CHECKPOINT");
  // A steady-state run of the retention timer: an hour's worth of events ages out, then the
  // embedded database's maintenance (what the app blocks on, once an hour).
  const retention = new AuditRetention({
    db: () => db,
    retentionDays: RETENTION,
    embedded: true,
    log: pino({ level: "silent" }),
  });
  const steady = await retention.runOnce(new Date(now + 3_600_000));
  console.log(
    `steady-state retention run: pruned ${steady.pruned} in ${steady.batches} batches (longest ${steady.longestBatchMs.toFixed(0)} ms), VACUUM (ANALYZE) + CHECKPOINT ${steady.maintenanceMs.toFixed(0)} ms`,
  );
  await time("Audit page, outcome=denied after ANALYZE", () => listAuditEvents(db, { outcome: "denied" }));
  await time("Audit page, first page after ANALYZE", () => listAuditEvents(db, {}));
  report("at the end");
  const count = await sql<{ n: string }>`select count(*)::text as n from audit_events`.execute(db);
  console.log(`rows now: ${count.rows[0]?.n}`);

  await handle.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
