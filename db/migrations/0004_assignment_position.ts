import type { Kysely } from "kysely";

/**
 * A gateway's assignments in the order they were saved. Assignments saved together share a
 * creation time, and the order decides which tool keeps a name when a server's tools change after
 * the save and two names clash: it must not depend on how the database happens to return rows.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("gateway_tool_assignments")
    .addColumn("position", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("gateway_tool_assignments").dropColumn("position").execute();
}
