import { type Database, embeddedClient } from "@/db";
import { getLogger } from "@/lib/log";
import { copyRows } from "./copy-rows";
import { type AuditInput, type AuditRow, auditRow } from "./record-event";

/** The columns COPY writes, in order: every one of an AuditRow. */
export const AUDIT_COLUMNS: readonly (keyof AuditRow)[] = [
  "at",
  "action",
  "outcome",
  "actor_user_id",
  "actor_token_id",
  "token_kind",
  "team_id",
  "gateway_id",
  "catalog_item_id",
  "credential_id",
  "tool_name",
  "duration_ms",
  "error",
  "details",
];

/**
 * Audit events of the hot path (tool calls), written in batches off the caller's path: one
 * statement per flush instead of one per call (COPY on the embedded database, a multi-row
 * INSERT on PostgreSQL). Each event keeps the time it happened, not the time of the flush.
 */
export class AuditQueue {
  private pending: AuditRow[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** The batch being written: flushes run one after another, and a flush ends after the ones before it. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: () => Database,
    private readonly flushMs = 200,
    private readonly maxBatch = 500,
  ) {}

  push(event: AuditInput): void {
    this.pending.push(auditRow(event, new Date()));
    if (this.pending.length >= this.maxBatch) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /**
   * Writes what is pending, after any batch still being written (so a flush at shutdown ends
   * when everything pushed before it is stored). A batch that fails is written row by row, so one
   * bad row loses only itself.
   */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    this.writing = this.writing.then(() => (batch.length > 0 ? this.store(batch) : undefined));
    return this.writing;
  }

  private async store(batch: AuditRow[]): Promise<void> {
    const db = this.db();
    try {
      await write(db, batch);
    } catch (err) {
      let lost = 0;
      for (const row of batch) await write(db, [row]).catch(() => lost++);
      getLogger().error({ err: (err as Error).message, events: batch.length, lost }, "audit batch write failed");
    }
  }
}

async function write(db: Database, rows: AuditRow[]): Promise<void> {
  const client = embeddedClient(db);
  // On the embedded database the COPY goes through Kysely's one connection, so it waits for a
  // transaction in progress instead of landing inside it.
  if (client) await db.connection().execute(() => copyRows(client, "audit_events", AUDIT_COLUMNS, rows));
  else await db.insertInto("audit_events").values(rows).execute();
}

const KEY = Symbol.for("mcp-orchestrator.audit-queue");
type QueueGlobal = typeof globalThis & { [KEY]?: AuditQueue };

export function getAuditQueue(db: () => Database): AuditQueue {
  const g = globalThis as QueueGlobal;
  g[KEY] ??= new AuditQueue(db);
  return g[KEY];
}

/** Writes pending audit events now (before the process exits). */
export async function flushAuditQueue(): Promise<void> {
  await (globalThis as QueueGlobal)[KEY]?.flush();
}
