import { sql } from "kysely";
import type { Database } from "@/db";

/**
 * Which replica owns a stdio pod's attach stream. Two attach streams to one container would
 * interleave stdin and both read stdout, so exactly one replica holds the stream (a lease in
 * runtime_instances, renewed while it is used); the others forward calls to it.
 */
export const LEASE_SECONDS = 30;

/** Claims the stream for `me` if free, expired or already mine; returns the owner either way. */
export async function claimStream(db: Database, instanceId: string, me: string): Promise<string> {
  const claimed = await db
    .updateTable("runtime_instances")
    .set({ owner_replica: me, lease_expires_at: sql<Date>`now() + make_interval(secs => ${LEASE_SECONDS})` })
    .where("id", "=", instanceId)
    .where((eb) =>
      eb.or([
        eb("owner_replica", "is", null),
        eb("owner_replica", "=", me),
        eb("lease_expires_at", "<", sql<Date>`now()`),
      ]),
    )
    .returning("owner_replica")
    .executeTakeFirst();
  if (claimed) return me;
  const row = await db
    .selectFrom("runtime_instances")
    .select("owner_replica")
    .where("id", "=", instanceId)
    .executeTakeFirst();
  return row?.owner_replica ?? me;
}

export async function releaseStream(db: Database, instanceId: string, me: string): Promise<void> {
  await db
    .updateTable("runtime_instances")
    .set({ owner_replica: null, lease_expires_at: null })
    .where("id", "=", instanceId)
    .where("owner_replica", "=", me)
    .execute();
}
