import { monitorEventLoopDelay } from "node:perf_hooks";
import { sql } from "kysely";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { createDatabase, type Database, embeddedClient } from "@/db";
import { ConfigError, parseEnv } from "@/lib/env";
import { backends, schemaUrl, unique, useMigratedDatabase } from "@/test/support/database";
import { AUDIT_COLUMNS } from "./audit-queue";
import { AuditRetention } from "./audit-retention";
import { copyRows } from "./copy-rows";
import { pruneAuditEvents } from "./prune-audit-events";
import { type AuditRow, auditRow } from "./record-event";

const DAY = 86_400_000;
const silent = pino({ level: "silent" });

/** Writes events of one action at the given times, as the audit queue does. */
async function write(db: Database, action: string, times: Date[]): Promise<void> {
  const rows: AuditRow[] = times.map((at) => auditRow({ action, outcome: "ok", tool_name: "echo" }, at));
  const client = embeddedClient(db);
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    if (client) await db.connection().execute(() => copyRows(client, "audit_events", AUDIT_COLUMNS, chunk));
    else await db.insertInto("audit_events").values(chunk).execute();
  }
}

const timesOf = async (db: Database, action: string) =>
  (await db.selectFrom("audit_events").select("at").where("action", "=", action).orderBy("at").execute()).map((r) =>
    r.at.toISOString(),
  );

describe("ARCHESTRA_AUDIT_RETENTION_DAYS", () => {
  it("is 90 days unless set; 0 keeps events forever; an empty value is the default", () => {
    expect(parseEnv({}).ARCHESTRA_AUDIT_RETENTION_DAYS).toBe(90);
    expect(parseEnv({ ARCHESTRA_AUDIT_RETENTION_DAYS: "" }).ARCHESTRA_AUDIT_RETENTION_DAYS).toBe(90);
    expect(parseEnv({ ARCHESTRA_AUDIT_RETENTION_DAYS: "0" }).ARCHESTRA_AUDIT_RETENTION_DAYS).toBe(0);
    expect(parseEnv({ ARCHESTRA_AUDIT_RETENTION_DAYS: " 30 " }).ARCHESTRA_AUDIT_RETENTION_DAYS).toBe(30);
  });

  it.each(["-1", "3651", "1.5", "ninety"])("refuses %s with a message naming the variable", (value) => {
    try {
      parseEnv({ ARCHESTRA_AUDIT_RETENTION_DAYS: value });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.join("\n")).toMatch(/^ARCHESTRA_AUDIT_RETENTION_DAYS: expected a .*days/);
    }
  });
});

describe.each(backends)("audit pruning on $name", (backend) => {
  const t = useMigratedDatabase(backend);

  it("deletes exactly the events older than the cut-off, and keeps the newer ones and the seeding marker", async () => {
    const action = unique("tool.call");
    const cutoff = new Date("2001-06-01T00:00:00.000Z");
    const older = [-DAY * 40, -DAY, -1].map((d) => new Date(cutoff.getTime() + d));
    const kept = [0, 1, DAY].map((d) => new Date(cutoff.getTime() + d));
    await write(t.db, action, [...kept, ...older]);
    // The registry's one-time seeding is remembered by this event: it stays, however old.
    await write(t.db, "catalog.seed", [new Date("2001-01-01T00:00:00.000Z")]);
    const seeds = async () => (await timesOf(t.db, "catalog.seed")).filter((at) => at.startsWith("2001-")).length;
    expect(await seeds()).toBe(1);

    const deleted = await pruneAuditEvents(t.db, { before: cutoff });
    expect(deleted).toBe(3);
    expect(await timesOf(t.db, action)).toEqual(kept.map((d) => d.toISOString()));
    expect(await seeds()).toBe(1);
  });

  it("works in batches of the size given, and stops after maxBatches", async () => {
    const action = unique("tool.call");
    const cutoff = new Date("2002-06-01T00:00:00.000Z");
    // Events other tests left behind before this cut-off would count too: the table is shared.
    await pruneAuditEvents(t.db, { before: cutoff });
    await write(
      t.db,
      action,
      Array.from({ length: 10 }, (_, i) => new Date(cutoff.getTime() - (i + 1) * 60_000)),
    );
    const batches: number[] = [];
    expect(
      await pruneAuditEvents(t.db, { before: cutoff, batchSize: 3, maxBatches: 2, onBatch: (n) => batches.push(n) }),
    ).toBe(6);
    expect(batches).toEqual([3, 3]);
    // Oldest first: what is left is the newest four.
    expect((await timesOf(t.db, action)).length).toBe(4);
    expect(await timesOf(t.db, action)).toEqual(
      [4, 3, 2, 1].map((i) => new Date(cutoff.getTime() - i * 60_000).toISOString()),
    );
    batches.length = 0;
    expect(await pruneAuditEvents(t.db, { before: cutoff, batchSize: 3, onBatch: (n) => batches.push(n) })).toBe(4);
    expect(batches).toEqual([3, 1]);
    expect(await timesOf(t.db, action)).toEqual([]);
  });

  it("two replicas pruning at once delete each event once, and neither fails", async () => {
    const action = unique("tool.call");
    const cutoff = new Date("2003-06-01T00:00:00.000Z");
    // Events other tests left behind before this cut-off would count too: the table is shared.
    await pruneAuditEvents(t.db, { before: cutoff });
    await write(
      t.db,
      action,
      Array.from({ length: 50 }, (_, i) => new Date(cutoff.getTime() - (i + 1) * 1000)),
    );
    // A second replica: its own connections to the same database where there is a server.
    const other = backend.name === "postgres" ? await secondReplica(t.db) : null;
    try {
      const [a, b] = await Promise.all([
        pruneAuditEvents(t.db, { before: cutoff, batchSize: 5, pauseMs: 5 }),
        pruneAuditEvents(other?.db ?? t.db, { before: cutoff, batchSize: 5, pauseMs: 5 }),
      ]);
      expect(a + b).toBe(50);
      expect(await timesOf(t.db, action)).toEqual([]);
    } finally {
      await other?.close();
    }
  });

  it("lets other queries in between batches: a request waits for one batch, not for the whole prune", async () => {
    const action = unique("tool.call");
    const cutoff = new Date("2005-06-01T00:00:00.000Z");
    // Events other tests left behind before this cut-off would count too: the table is shared.
    await pruneAuditEvents(t.db, { before: cutoff });
    await write(
      t.db,
      action,
      Array.from({ length: 20_000 }, (_, i) => new Date(cutoff.getTime() - (i + 1) * 1000)),
    );
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    let answeredAt = 0;
    let pruneEndedAt = 0;
    let request: Promise<unknown> | undefined;
    const batches: number[] = [];
    const pruned = pruneAuditEvents(t.db, {
      before: cutoff,
      pauseMs: 10,
      onBatch: (_, ms) => {
        batches.push(ms);
        // A request arriving while the prune has most of its work ahead.
        request ??= t.db
          .selectFrom("audit_events")
          .select("id")
          .limit(1)
          .execute()
          .then(() => {
            answeredAt = performance.now();
          });
      },
    }).then((n) => {
      pruneEndedAt = performance.now();
      return n;
    });
    expect(await pruned).toBe(20_000);
    await request;
    delay.disable();
    // 20 full batches, then one that finds nothing left.
    expect(batches.length).toBe(21);
    expect(answeredAt).toBeLessThan(pruneEndedAt);
    // Generous bounds: the machine running the tests is shared. The benchmark has real numbers.
    expect(Math.max(...batches)).toBeLessThan(1000);
    expect(delay.max / 1e6).toBeLessThan(1000);
  });

  it("stopping (at shutdown) ends a run after the batch in progress, and no batch follows", async () => {
    const action = unique("tool.call");
    const now = new Date("2006-06-01T00:00:00.000Z");
    await pruneAuditEvents(t.db, { before: now });
    await write(
      t.db,
      action,
      Array.from({ length: 100 }, (_, i) => new Date(now.getTime() - 40 * DAY - i * 1000)),
    );
    const retention = new AuditRetention({
      db: () => t.db,
      retentionDays: 30,
      embedded: backend.name === "pglite",
      log: silent,
      batchSize: 10,
      pauseMs: 50,
    });
    const run = retention.runOnce(now);
    await expect.poll(async () => (await timesOf(t.db, action)).length, { interval: 5 }).toBeLessThan(100);
    await retention.stop();
    const left = (await timesOf(t.db, action)).length;
    expect(left).toBeGreaterThan(0);
    expect((await run).pruned).toBe(100 - left);
    await new Promise((r) => setTimeout(r, 200));
    expect((await timesOf(t.db, action)).length).toBe(left);
  });

  it("the retention timer's run keeps events younger than the retention; 0 days keeps everything", async () => {
    const action = unique("tool.call");
    const now = new Date("2004-06-01T00:00:00.000Z");
    const young = new Date(now.getTime() - 29 * DAY);
    await write(t.db, action, [new Date(now.getTime() - 31 * DAY), young]);

    const forever = new AuditRetention({ db: () => t.db, retentionDays: 0, embedded: false, log: silent });
    expect((await forever.runOnce(now)).pruned).toBe(0);
    expect((await timesOf(t.db, action)).length).toBe(2);

    const retention = new AuditRetention({
      db: () => t.db,
      retentionDays: 30,
      embedded: backend.name === "pglite",
      log: silent,
    });
    const run = await retention.runOnce(now);
    expect(run.pruned).toBeGreaterThanOrEqual(1);
    expect(await timesOf(t.db, action)).toEqual([young.toISOString()]);
    // The embedded database is vacuumed, analyzed and checkpointed after: it has no autovacuum.
    if (backend.name === "pglite") expect(run.maintenanceMs).toBeGreaterThan(0);
    // It blocks the embedded database for a moment: once a day, or after a large prune, only.
    expect((await retention.runOnce(now)).maintenanceMs).toBe(0);
    await retention.stop();
  });
});

/** Another pool on the same PostgreSQL schema, as a second replica would have. */
async function secondReplica(db: Database) {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("TEST_DATABASE_URL is not set");
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return createDatabase({ url: schemaUrl(url, rows[0]?.schema ?? "public"), poolSize: 2 });
}
