import { sql } from "kysely";
import type { Database } from "@/db";

/**
 * Events pruning keeps whatever their age: the registry's one-time seeding is marked by a
 * `catalog.seed` event (lib/registry/seed-catalog.ts), and without it the next start would seed
 * again and bring back example servers an admin deleted.
 */
export const KEPT_ACTIONS: readonly string[] = ["catalog.seed"];

/** Rows a batch deletes: on the embedded database one batch takes a few milliseconds. */
export const PRUNE_BATCH_SIZE = 1000;

// An arbitrary constant shared by every replica (beside the reconciler's 7_313_002).
export const PRUNE_LOCK_KEY = 7_313_010;

export interface PruneOptions {
  /** Events stamped before this time are deleted. */
  before: Date;
  batchSize?: number;
  /** Stop after this many batches (the rest waits for the next run). */
  maxBatches?: number;
  /** Pause between batches, so requests waiting for the database go first. */
  pauseMs?: number;
  /** Called after each batch with the rows it deleted and how long it took. */
  onBatch?: (deleted: number, elapsedMs: number) => void;
  /** Stops between batches (shutdown). */
  signal?: AbortSignal;
}

/**
 * Deletes audit events older than `before` in small batches, each its own short transaction, so
 * neither a lock nor the embedded database's only connection is held for long. Replicas sharing
 * a PostgreSQL database take turns through a transaction-level advisory lock: a replica that finds
 * it taken stops, and the one holding it carries on (two deleting at once would only waste work).
 * Returns how many events were deleted.
 */
export async function pruneAuditEvents(db: Database, options: PruneOptions): Promise<number> {
  const batchSize = options.batchSize ?? PRUNE_BATCH_SIZE;
  const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
  let total = 0;
  for (let batch = 0; batch < maxBatches && !options.signal?.aborted; batch++) {
    const started = performance.now();
    const deleted = await db.transaction().execute(async (trx) => {
      const lock = await sql<{
        locked: boolean;
      }>`select pg_try_advisory_xact_lock(${PRUNE_LOCK_KEY}) as locked`.execute(trx);
      if (!lock.rows[0]?.locked) return null;
      const result = await trx
        .deleteFrom("audit_events")
        .where(
          "id",
          "in",
          trx
            .selectFrom("audit_events")
            .select("id")
            .where("at", "<", options.before)
            .where("action", "not in", KEPT_ACTIONS)
            .orderBy("at")
            .limit(batchSize),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
    if (deleted === null) break;
    total += deleted;
    options.onBatch?.(deleted, performance.now() - started);
    if (deleted < batchSize) break;
    if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
  }
  return total;
}

/**
 * Makes the space of deleted events reusable on the embedded database, which has no autovacuum
 * (PostgreSQL's autovacuum does this on its own). A plain VACUUM: it does not shrink the files
 * (VACUUM FULL would, but rewrites the table and holds it locked meanwhile); new events fill the
 * freed space instead, so the directory stops growing at the size the retention allows. With
 * `analyze`, it also refreshes the statistics the planner chooses the Audit page's plans by.
 */
export async function vacuumAuditEvents(db: Database, options: { analyze?: boolean } = {}): Promise<void> {
  await (options.analyze ? sql`vacuum (analyze) audit_events` : sql`vacuum audit_events`).execute(db);
}
