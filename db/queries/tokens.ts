import type { Database } from "@/db";
import type { AccessToken } from "@/db/schema";

export type TokenListing = Omit<AccessToken, "secret_hash">;

export async function findTokenByPrefix(db: Database, prefix: string): Promise<AccessToken | undefined> {
  return db.selectFrom("access_tokens").selectAll().where("prefix", "=", prefix).executeTakeFirst();
}

export async function listUserTokens(db: Database, userId: string): Promise<TokenListing[]> {
  return db
    .selectFrom("access_tokens")
    .select([
      "id",
      "kind",
      "user_id",
      "team_id",
      "name",
      "prefix",
      "created_by",
      "created_at",
      "last_used_at",
      "expires_at",
      "revoked_at",
    ])
    .where("kind", "=", "user")
    .where("user_id", "=", userId)
    .orderBy("created_at", "desc")
    .execute();
}
