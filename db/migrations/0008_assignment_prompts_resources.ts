import type { Kysely } from "kysely";

/**
 * What an assignment exposes of its server besides tools: its prompts (by name) and resources (by
 * URI or URI template). Null is every one, as before: existing gateways keep exposing what they
 * did; an empty list is none.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("gateway_tool_assignments")
    .addColumn("prompts", "jsonb")
    .addColumn("resources", "jsonb")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("gateway_tool_assignments").dropColumn("prompts").dropColumn("resources").execute();
}
