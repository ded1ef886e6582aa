import { type Kysely, sql } from "kysely";

/**
 * Gateway sessions their clients ended (HTTP DELETE). Session ids are signed notes that any
 * replica can read without server state; this table is how every replica, including one started
 * later, knows that an ended session is gone (404). Kept as SHA-256 hashes of the ids.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("ended_sessions")
    .addColumn("session_hash", "text", (c) => c.primaryKey())
    .addColumn("ended_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("ended_sessions").execute();
}
