import { type Kysely, sql } from "kysely";

/**
 * The Audit page pages by (at, id) and retention prunes by at: one index on both serves each,
 * and replaces the index on at alone (its leading column does everything that one did). Errors
 * and denials, the events an admin looks for, get a partial index of their own: filtering for
 * them would otherwise read the whole table, and on the embedded database the whole app waits.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex("audit_events_at_id_idx").on("audit_events").columns(["at", "id"]).execute();
  await db.schema.dropIndex("audit_events_at_idx").execute();
  await db.schema
    .createIndex("audit_events_not_ok_idx")
    .on("audit_events")
    .columns(["at", "id"])
    .where(sql.ref("outcome"), "<>", "ok")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("audit_events_not_ok_idx").execute();
  await db.schema.createIndex("audit_events_at_idx").on("audit_events").column("at").execute();
  await db.schema.dropIndex("audit_events_at_id_idx").execute();
}
