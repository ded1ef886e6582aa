import type { Database } from "@/db";
import { getLogger } from "@/lib/log";
import type { AuditInput } from "./record-event";

/**
 * Audit events of the hot path (tool calls), written in batches off the caller's path: one
 * multi-row insert per flush instead of one per call.
 */
export class AuditQueue {
  private pending: AuditInput[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: () => Database,
    private readonly flushMs = 200,
    private readonly maxBatch = 500,
  ) {}

  push(event: AuditInput): void {
    this.pending.push(event);
    if (this.pending.length >= this.maxBatch) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      await this.db()
        .insertInto("audit_events")
        .values(batch.map((e) => ({ ...e, details: JSON.stringify(e.details ?? {}) })))
        .execute();
    } catch (err) {
      getLogger().error({ err: (err as Error).message, events: batch.length }, "audit batch write failed");
    }
  }
}

const KEY = Symbol.for("mcp-orchestrator.audit-queue");
type QueueGlobal = typeof globalThis & { [KEY]?: AuditQueue };

export function getAuditQueue(db: () => Database): AuditQueue {
  const g = globalThis as QueueGlobal;
  g[KEY] ??= new AuditQueue(db);
  return g[KEY];
}
