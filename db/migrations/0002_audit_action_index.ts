import type { Kysely } from "kysely";

/**
 * Looking audit events up by action (the Audit page's filter, the one-time registry seeding
 * check at start) uses an index instead of reading the whole, ever-growing table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex("audit_events_action_idx").on("audit_events").columns(["action", "at"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("audit_events_action_idx").execute();
}
