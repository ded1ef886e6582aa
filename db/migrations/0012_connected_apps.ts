import type { Kysely } from "kysely";

/**
 * A client a person connected to a gateway through the app's authorization server is kept as
 * one of their tokens (kind `user`), so the Tokens page lists it, revoking it works as for any
 * token, and the audit log names it: the row holds no usable secret (the client's access tokens
 * are the authorization server's), only which grant, client and gateway it stands for.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("access_tokens")
    .addColumn("oauth_grant_id", "text", (c) => c.unique())
    .addColumn("oauth_client_id", "text")
    .addColumn("gateway_id", "uuid", (c) => c.references("gateways.id").onDelete("cascade"))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("access_tokens")
    .dropColumn("oauth_grant_id")
    .dropColumn("oauth_client_id")
    .dropColumn("gateway_id")
    .execute();
}
