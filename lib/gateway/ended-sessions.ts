import { createHash } from "node:crypto";
import { sql } from "kysely";
import type { Database } from "@/db";
import type { BusMessage } from "@/lib/replica-bus";
import { sharedCache } from "@/lib/ttl-cache";
import { SESSION_MAX_AGE_MS } from "./session";

/**
 * Whether a client ended its gateway session (DELETE), after which the session id is unknown
 * (404) on every replica. Ended sessions are stored (hashed) in the database; a replica hears of
 * an end elsewhere on the replica bus at once, and otherwise reads the database the first time it
 * sees a session id in a minute, so warm calls do not (and an end the bus missed is seen within a
 * minute). A read never undoes an end learned while it ran. Rows older than the longest a session
 * lives are deleted: such sessions are refused anyway.
 */
const ended = sharedCache<string, true>("gateway.session-ended", 10 * 60_000);
const live = sharedCache<string, true>("gateway.session-live", 60_000);
const PRUNE_EVERY_MS = 60 * 60_000;

const hashOf = (sessionId: string) => createHash("sha256").update(sessionId).digest("hex");

/** When each database was last pruned, by this process. */
const prunedAt = new WeakMap<Database, number>();

function learnEnded(sessionId: string): void {
  ended().set(sessionId, true);
  live().delete(sessionId);
}

/** A session ended at another replica (heard from start: listen-for-changes.ts). */
export function learnEndedSessions(message: BusMessage): void {
  if (message.kind === "session-ended") learnEnded(message.session);
}

/** True when the session was ended: answered from memory when known, else read. */
export function sessionEnded(db: Database, sessionId: string): boolean | Promise<boolean> {
  if (ended().get(sessionId)) return true;
  if (live().get(sessionId)) return false;
  return db
    .selectFrom("ended_sessions")
    .select("session_hash")
    .where("session_hash", "=", hashOf(sessionId))
    .executeTakeFirst()
    .then((row) => {
      if (row) learnEnded(sessionId);
      if (ended().get(sessionId)) return true;
      live().set(sessionId, true);
      return false;
    });
}

/** Records the session's end; other replicas hear it with the session's other endings. */
export async function markSessionEnded(db: Database, sessionId: string): Promise<void> {
  learnEnded(sessionId);
  await db
    .insertInto("ended_sessions")
    .values({ session_hash: hashOf(sessionId) })
    .onConflict((oc) => oc.column("session_hash").doNothing())
    .execute();
  if (Date.now() - (prunedAt.get(db) ?? 0) > PRUNE_EVERY_MS) {
    prunedAt.set(db, Date.now());
    await db
      .deleteFrom("ended_sessions")
      .where("ended_at", "<", sql<Date>`now() - ${`${SESSION_MAX_AGE_MS} milliseconds`}::interval`)
      .execute();
  }
}
