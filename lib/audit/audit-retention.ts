import { sql } from "kysely";
import type { Database } from "@/db";
import type { Logger } from "pino";
import { pruneAuditEvents, vacuumAuditEvents } from "./prune-audit-events";

const DAY_MS = 86_400_000;

export interface AuditRetentionOptions {
  db: () => Database;
  /** Days events are kept; 0 keeps them forever. */
  retentionDays: number;
  /** The embedded database has no autovacuum: the runner vacuums, analyzes and checkpoints it. */
  embedded: boolean;
  log: Logger;
  /** Between runs; an hour by default. */
  intervalMs?: number;
  /** Before the first run, so a start is not slowed down by it; a minute by default. */
  firstRunMs?: number;
  batchSize?: number;
  /** Between batches; requests waiting for the database go first. */
  pauseMs?: number;
  /** Embedded database: the longest time between two maintenance passes; a day by default. */
  maintenanceEveryMs?: number;
}

/**
 * A run that pruned at least this many events maintains the embedded database at once (so the
 * space is reused soon after a large prune, such as the first one after an upgrade); smaller runs
 * leave it to the daily pass. A pass blocks the embedded database, and so the app, for a moment:
 * measured 0.5 to 1.8 s on 250,000 events (bench/audit-growth.ts).
 */
export const MAINTAIN_AFTER_PRUNED = 10_000;

export interface RetentionRun {
  pruned: number;
  batches: number;
  /** The longest batch, in milliseconds: on the embedded database, how long requests waited at most. */
  longestBatchMs: number;
  /** VACUUM + ANALYZE + CHECKPOINT on the embedded database, in milliseconds; 0 when not done. */
  maintenanceMs: number;
}

/**
 * Keeps the audit log to its retention, off the request path: a timer prunes what is older in
 * small batches (see pruneAuditEvents). On the embedded database, after a large prune and at least
 * once a day, it also does what PostgreSQL's background workers would: VACUUM so new events reuse
 * the freed space, ANALYZE so the Audit page's queries keep their index plans (PGlite never
 * analyzes on its own), CHECKPOINT so the write-ahead log is recycled.
 */
export class AuditRetention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RetentionRun> | null = null;
  private readonly stopping = new AbortController();
  private lastMaintenance = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: AuditRetentionOptions) {}

  start(): void {
    if (this.timer || this.stopping.signal.aborted) return;
    const schedule = (ms: number) => {
      this.timer = setTimeout(() => {
        void this.runOnce()
          .catch((err: unknown) => this.options.log.error({ err: (err as Error).message }, "audit retention failed"))
          .finally(() => {
            if (!this.stopping.signal.aborted) schedule(this.options.intervalMs ?? 3_600_000);
          });
      }, ms);
      this.timer.unref();
    };
    schedule(this.options.firstRunMs ?? 60_000);
  }

  /** One run now; a run already in progress is shared, not doubled. */
  runOnce(now = new Date()): Promise<RetentionRun> {
    this.running ??= this.run(now).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Stops the timer and waits for a run in progress to end its current batch. */
  async stop(): Promise<void> {
    this.stopping.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }

  private async run(now: Date): Promise<RetentionRun> {
    const { retentionDays, embedded, log } = this.options;
    const db = this.options.db();
    const result: RetentionRun = { pruned: 0, batches: 0, longestBatchMs: 0, maintenanceMs: 0 };
    if (retentionDays > 0) {
      result.pruned = await pruneAuditEvents(db, {
        before: new Date(now.getTime() - retentionDays * DAY_MS),
        batchSize: this.options.batchSize,
        pauseMs: this.options.pauseMs ?? 25,
        signal: this.stopping.signal,
        onBatch: (_, ms) => {
          result.batches++;
          result.longestBatchMs = Math.max(result.longestBatchMs, ms);
        },
      });
    }
    const due =
      result.pruned >= MAINTAIN_AFTER_PRUNED ||
      performance.now() - this.lastMaintenance >= (this.options.maintenanceEveryMs ?? DAY_MS);
    if (embedded && due && !this.stopping.signal.aborted) {
      const started = performance.now();
      this.lastMaintenance = started;
      await vacuumAuditEvents(db, { analyze: true });
      await sql`checkpoint`.execute(db);
      result.maintenanceMs = performance.now() - started;
    }
    if (result.pruned > 0) {
      log.info(
        {
          pruned: result.pruned,
          retentionDays,
          batches: result.batches,
          longestBatchMs: Math.round(result.longestBatchMs),
          maintenanceMs: Math.round(result.maintenanceMs),
        },
        "pruned audit events past their retention",
      );
    }
    return result;
  }
}

const KEY = Symbol.for("mcp-orchestrator.audit-retention");
type RetentionGlobal = typeof globalThis & { [KEY]?: AuditRetention };

/** Starts the process's retention timer (once, however many server entries call it). */
export function startAuditRetention(options: AuditRetentionOptions): AuditRetention {
  const g = globalThis as RetentionGlobal;
  g[KEY] ??= new AuditRetention(options);
  g[KEY].start();
  return g[KEY];
}

/** Stops the process's retention timer, after the batch in progress (before the process exits). */
export async function stopAuditRetention(): Promise<void> {
  await (globalThis as RetentionGlobal)[KEY]?.stop();
}
