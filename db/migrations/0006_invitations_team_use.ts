import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the schema as it was then
type AnyDb = Kysely<any>;

/**
 * Consent before a credential is shared:
 * - team_invitations: a team admin (not an org admin) invites a person; they count as a member
 *   (for team tokens, gateways, anything) only once they accept.
 * - credentials.team_use: a person can keep a personal credential out of team-token (and
 *   org-token) resolution. Existing credentials keep today's behaviour (allowed).
 * - audit_events (credential_id, at): a credential's latest calls, for its owner.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("team_invitations")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("team_id", "uuid", (c) => c.notNull().references("teams.id").onDelete("cascade"))
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('admin', 'member')`))
    .addColumn("invited_by", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addUniqueConstraint("team_invitations_team_user_key", ["team_id", "user_id"])
    .execute();
  await db.schema.createIndex("team_invitations_user_idx").on("team_invitations").column("user_id").execute();

  await db.schema
    .alterTable("credentials")
    .addColumn("team_use", "boolean", (c) => c.notNull().defaultTo(true))
    .execute();

  await db.schema
    .createIndex("audit_events_credential_idx")
    .on("audit_events")
    .columns(["credential_id", "at"])
    .where(sql.ref("credential_id"), "is not", null)
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex("audit_events_credential_idx").execute();
  await db.schema.alterTable("credentials").dropColumn("team_use").execute();
  await db.schema.dropTable("team_invitations").execute();
}
