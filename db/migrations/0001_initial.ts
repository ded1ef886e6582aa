import { type Kysely, sql } from "kysely";

// Migrations take Kysely<any>: they describe the schema as it was at that point, not as db/schema.ts says now.
// biome-ignore lint/suspicious/noExplicitAny: see above
type AnyDb = Kysely<any>;

const id = sql`gen_random_uuid()`;
const now = sql`now()`;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(id))
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("password_hash", "text")
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('admin', 'member')`))
    .addColumn("oidc_subject", "text", (c) => c.unique())
    .addColumn("disabled_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await sql`create unique index users_email_key on users (lower(email))`.execute(db);

  await db.schema
    .createTable("teams")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(id))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("slug", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await sql`create unique index teams_name_key on teams (lower(name))`.execute(db);

  await db.schema
    .createTable("team_members")
    .addColumn("team_id", "uuid", (c) => c.notNull().references("teams.id").onDelete("cascade"))
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('admin', 'member')`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint("team_members_pkey", ["team_id", "user_id"])
    .execute();
  await db.schema.createIndex("team_members_user_idx").on("team_members").column("user_id").execute();

  await db.schema
    .createTable("catalog_items")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(id))
    .addColumn("slug", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('local', 'remote')`))
    .addColumn("command", "text")
    .addColumn("args", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("image", "text")
    .addColumn("image_pull_secret", "text")
    .addColumn("transport", "text", (c) => c.check(sql`transport in ('stdio', 'http')`))
    .addColumn("http_port", "integer")
    .addColumn("http_path", "text")
    .addColumn("env_schema", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("url", "text")
    .addColumn("auth_kind", "text", (c) => c.check(sql`auth_kind in ('none', 'header', 'oauth')`))
    .addColumn("auth_config", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("sealed_config", "text")
    .addColumn("tools", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("tools_discovered_at", "timestamptz")
    .addColumn("created_by", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addCheckConstraint(
      "catalog_items_kind_fields",
      sql`(kind = 'local' and (command is not null or image is not null) and transport is not null)
          or (kind = 'remote' and url is not null and auth_kind is not null)`,
    )
    .execute();

  await db.schema
    .createTable("credentials")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("catalog_item_id", "uuid", (c) => c.notNull().references("catalog_items.id").onDelete("cascade"))
    .addColumn("scope", "text", (c) => c.notNull().check(sql`scope in ('personal', 'team')`))
    .addColumn("owner_user_id", "uuid", (c) => c.references("users.id").onDelete("cascade"))
    .addColumn("owner_team_id", "uuid", (c) => c.references("teams.id").onDelete("cascade"))
    .addColumn("label", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("sealed_secret", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('active', 'expiring', 'needs_reauth', 'revoked', 'error')`),
    )
    .addColumn("status_reason", "text")
    .addColumn("expires_at", "timestamptz")
    .addColumn("last_used_at", "timestamptz")
    .addColumn("created_by", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("revoked_at", "timestamptz")
    .addCheckConstraint(
      "credentials_owner",
      sql`(scope = 'personal' and owner_user_id is not null and owner_team_id is null)
          or (scope = 'team' and owner_team_id is not null and owner_user_id is null)`,
    )
    .execute();
  await db.schema
    .createIndex("credentials_item_idx")
    .on("credentials")
    .columns(["catalog_item_id", "created_at"])
    .execute();
  await db.schema.createIndex("credentials_user_idx").on("credentials").column("owner_user_id").execute();
  await db.schema.createIndex("credentials_team_idx").on("credentials").column("owner_team_id").execute();

  await db.schema
    .createTable("oauth_states")
    .addColumn("state", "text", (c) => c.primaryKey())
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("catalog_item_id", "uuid", (c) => c.notNull().references("catalog_items.id").onDelete("cascade"))
    .addColumn("credential_scope", "text", (c) => c.notNull().check(sql`credential_scope in ('personal', 'team')`))
    .addColumn("owner_team_id", "uuid", (c) => c.references("teams.id").onDelete("cascade"))
    .addColumn("redirect_uri", "text", (c) => c.notNull())
    .addColumn("sealed_payload", "text", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("used_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable("runtime_instances")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(id))
    .addColumn("catalog_item_id", "uuid", (c) => c.notNull().references("catalog_items.id").onDelete("cascade"))
    .addColumn("credential_id", "uuid", (c) => c.notNull().references("credentials.id").onDelete("cascade"))
    .addColumn("runtime", "text", (c) => c.notNull().check(sql`runtime in ('process', 'kubernetes')`))
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("desired_state", "text", (c) => c.notNull().check(sql`desired_state in ('running', 'stopped')`))
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('pending', 'starting', 'running', 'crash_looping', 'failed', 'stopped')`),
    )
    .addColumn("status_reason", "text")
    .addColumn("last_exit_code", "integer")
    .addColumn("restart_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("started_at", "timestamptz")
    .addColumn("owner_replica", "text")
    .addColumn("lease_expires_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint("runtime_instances_server_credential_key", ["catalog_item_id", "credential_id"])
    .execute();

  await db.schema
    .createTable("gateways")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(id))
    .addColumn("slug", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("owner_team_id", "uuid", (c) => c.references("teams.id").onDelete("cascade"))
    .addColumn("created_by", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable("gateway_tool_assignments")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(id))
    .addColumn("gateway_id", "uuid", (c) => c.notNull().references("gateways.id").onDelete("cascade"))
    .addColumn("catalog_item_id", "uuid", (c) => c.notNull().references("catalog_items.id").onDelete("cascade"))
    .addColumn("tools", "jsonb")
    .addColumn("prefix", "text")
    .addColumn("credential_mode", "text", (c) => c.notNull().check(sql`credential_mode in ('static', 'call_time')`))
    .addColumn("static_credential_id", "uuid", (c) => c.references("credentials.id").onDelete("set null"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema
    .createIndex("gateway_tool_assignments_gateway_idx")
    .on("gateway_tool_assignments")
    .column("gateway_id")
    .execute();

  await db.schema
    .createTable("access_tokens")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(id))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('user', 'team', 'org')`))
    .addColumn("user_id", "uuid", (c) => c.references("users.id").onDelete("cascade"))
    .addColumn("team_id", "uuid", (c) => c.references("teams.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("prefix", "text", (c) => c.notNull().unique())
    .addColumn("secret_hash", "text", (c) => c.notNull())
    .addColumn("created_by", "uuid", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("last_used_at", "timestamptz")
    .addColumn("expires_at", "timestamptz")
    .addColumn("revoked_at", "timestamptz")
    .addCheckConstraint(
      "access_tokens_owner",
      sql`(kind = 'user' and user_id is not null and team_id is null)
          or (kind = 'team' and team_id is not null and user_id is null)
          or (kind = 'org' and user_id is null and team_id is null)`,
    )
    .execute();

  await db.schema
    .createTable("audit_events")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("at", "timestamptz", (c) => c.notNull().defaultTo(now))
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("outcome", "text", (c) => c.notNull().check(sql`outcome in ('ok', 'error', 'denied')`))
    .addColumn("actor_user_id", "uuid")
    .addColumn("actor_token_id", "uuid")
    .addColumn("token_kind", "text")
    .addColumn("team_id", "uuid")
    .addColumn("gateway_id", "uuid")
    .addColumn("catalog_item_id", "uuid")
    .addColumn("credential_id", "uuid")
    .addColumn("tool_name", "text")
    .addColumn("duration_ms", "integer")
    .addColumn("error", "text")
    .addColumn("details", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex("audit_events_at_idx").on("audit_events").column("at").execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of [
    "audit_events",
    "access_tokens",
    "gateway_tool_assignments",
    "gateways",
    "runtime_instances",
    "oauth_states",
    "credentials",
    "catalog_items",
    "team_members",
    "teams",
    "users",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
