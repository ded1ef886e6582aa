import { type Kysely, sql } from "kysely";

/**
 * What the app's own OAuth authorization server (for clients of its gateways) keeps between
 * steps, so that any replica can serve any step: clients, grants, sessions, interactions,
 * authorization codes, access and refresh tokens. Keys are SHA-256 hashes of the ids (an access
 * or refresh token's id is the token itself), payloads are sealed with the app's keyring.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("oauth_server_models")
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("id_hash", "text", (c) => c.notNull())
    .addColumn("sealed_payload", "text", (c) => c.notNull())
    .addColumn("grant_id", "text")
    .addColumn("uid_hash", "text")
    .addColumn("user_code_hash", "text")
    .addColumn("expires_at", "timestamptz")
    .addColumn("consumed_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("oauth_server_models_pk", ["model", "id_hash"])
    .execute();
  await db.schema.createIndex("oauth_server_models_grant").on("oauth_server_models").column("grant_id").execute();
  await db.schema.createIndex("oauth_server_models_uid").on("oauth_server_models").column("uid_hash").execute();
  await db.schema
    .createIndex("oauth_server_models_user_code")
    .on("oauth_server_models")
    .column("user_code_hash")
    .execute();
  await db.schema.createIndex("oauth_server_models_expires").on("oauth_server_models").column("expires_at").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("oauth_server_models").execute();
}
