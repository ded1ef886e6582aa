import { createHash } from "node:crypto";
import type { Database } from "@/db";
import { getReplicaBus } from "@/lib/replica-bus";
import { sharedCache } from "@/lib/ttl-cache";

/**
 * Whether a client ended its gateway session (DELETE), after which the session id is unknown
 * (404) on every replica. Ended sessions are stored (hashed) in the database; each replica keeps
 * what it learned per session id, hears of ends elsewhere on the replica bus, and reads the
 * database only the first time it sees a session id in a while, so warm calls do not.
 */
const known = sharedCache<string, boolean>("gateway.session-ended", 10 * 60_000);

const hashOf = (sessionId: string) => createHash("sha256").update(sessionId).digest("hex");

let listening = false;
function listen(): void {
  if (listening) return;
  listening = true;
  getReplicaBus().subscribe((m) => {
    if (m.kind === "session-ended") known().set(m.session, true);
  });
}

/** True when the session was ended: answered from memory when known, else read once. */
export function sessionEnded(db: Database, sessionId: string): boolean | Promise<boolean> {
  listen();
  return known().read(sessionId, async () => {
    const row = await db
      .selectFrom("ended_sessions")
      .select("session_hash")
      .where("session_hash", "=", hashOf(sessionId))
      .executeTakeFirst();
    return row !== undefined;
  });
}

/** Records the session's end; other replicas hear it with the session's other endings. */
export async function markSessionEnded(db: Database, sessionId: string): Promise<void> {
  listen();
  known().set(sessionId, true);
  await db
    .insertInto("ended_sessions")
    .values({ session_hash: hashOf(sessionId) })
    .onConflict((oc) => oc.column("session_hash").doNothing())
    .execute();
}
