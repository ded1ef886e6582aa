import { type Database, embeddedClient } from "@/db";
import type { AuditEventsTable } from "@/db/schema";
import type { Insertable } from "kysely";
import { getLogger } from "@/lib/log";
import { copyRows } from "./copy-rows";
import type { AuditInput } from "./record-event";

/** An audit event as it is written: every column but the id, stamped when it happened. */
type AuditRow = Required<Omit<Insertable<AuditEventsTable>, "id" | "at" | "details">> & { at: Date; details: string };

const COLUMNS: readonly (keyof AuditRow)[] = [
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

/** Longest error message kept: upstream servers choose what they send. */
const MAX_ERROR_CHARS = 2000;

/** PostgreSQL text cannot hold NUL; one in a message must not fail the batch it is in. */
const text = <T extends string | null | undefined>(value: T): T =>
  (typeof value === "string" ? value.replaceAll("\u0000", "\uFFFD") : value) as T;

function toRow(event: AuditInput, at: Date): AuditRow {
  return {
    at,
    action: text(event.action),
    outcome: event.outcome,
    actor_user_id: event.actor_user_id ?? null,
    actor_token_id: event.actor_token_id ?? null,
    token_kind: event.token_kind ?? null,
    team_id: event.team_id ?? null,
    gateway_id: event.gateway_id ?? null,
    catalog_item_id: event.catalog_item_id ?? null,
    credential_id: event.credential_id ?? null,
    tool_name: text(event.tool_name ?? null),
    duration_ms: event.duration_ms ?? null,
    error: text(event.error?.slice(0, MAX_ERROR_CHARS) ?? null),
    details: text(JSON.stringify(event.details ?? {})),
  };
}

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
    this.pending.push(toRow(event, new Date()));
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
  if (client) await db.connection().execute(() => copyRows(client, "audit_events", COLUMNS, rows));
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
