import type { Database } from "@/db";
import type { AccessToken } from "@/db/schema";

export type TokenListing = Omit<AccessToken, "secret_hash" | "oauth_grant_id" | "oauth_client_id" | "gateway_id"> & {
  team_name?: string | null;
};

const LISTING = [
  "access_tokens.id",
  "access_tokens.kind",
  "access_tokens.user_id",
  "access_tokens.team_id",
  "access_tokens.name",
  "access_tokens.prefix",
  "access_tokens.created_by",
  "access_tokens.created_at",
  "access_tokens.last_used_at",
  "access_tokens.expires_at",
  "access_tokens.revoked_at",
] as const;

export async function findTokenByPrefix(db: Database, prefix: string): Promise<AccessToken | undefined> {
  return db.selectFrom("access_tokens").selectAll().where("prefix", "=", prefix).executeTakeFirst();
}

export async function listUserTokens(db: Database, userId: string): Promise<TokenListing[]> {
  return db
    .selectFrom("access_tokens")
    .select(LISTING)
    .where("kind", "=", "user")
    .where("user_id", "=", userId)
    .where("oauth_grant_id", "is", null)
    .orderBy("created_at", "desc")
    .execute();
}

/** Team tokens of the given teams, and (for admins) the organisation's tokens. */
export async function listSharedTokens(db: Database, teamIds: string[], includeOrg: boolean): Promise<TokenListing[]> {
  if (teamIds.length === 0 && !includeOrg) return [];
  return db
    .selectFrom("access_tokens")
    .leftJoin("teams", "teams.id", "access_tokens.team_id")
    .select([...LISTING, "teams.name as team_name"])
    .where((eb) => {
      const ors = [];
      if (teamIds.length)
        ors.push(eb.and([eb("access_tokens.kind", "=", "team"), eb("access_tokens.team_id", "in", teamIds)]));
      if (includeOrg) ors.push(eb("access_tokens.kind", "=", "org"));
      return eb.or(ors);
    })
    .where("access_tokens.oauth_grant_id", "is", null)
    .orderBy("access_tokens.created_at", "desc")
    .execute();
}

export interface ConnectedAppListing {
  id: string;
  /** The client's name, as it registered. */
  name: string;
  /** A URL for clients identified by a metadata document. */
  oauth_client_id: string | null;
  gateway_name: string | null;
  gateway_slug: string | null;
  user_name: string;
  user_email: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** Connected apps (clients signed in to a gateway through the authorization server): one person's, or everyone's. */
export async function listConnectedApps(
  db: Database,
  whose: { userId: string } | { all: true },
): Promise<ConnectedAppListing[]> {
  let query = db
    .selectFrom("access_tokens")
    .innerJoin("users", "users.id", "access_tokens.user_id")
    .leftJoin("gateways", "gateways.id", "access_tokens.gateway_id")
    .select([
      "access_tokens.id",
      "access_tokens.name",
      "access_tokens.oauth_client_id",
      "gateways.name as gateway_name",
      "gateways.slug as gateway_slug",
      "users.name as user_name",
      "users.email as user_email",
      "access_tokens.created_at",
      "access_tokens.last_used_at",
      "access_tokens.revoked_at",
    ])
    .where("access_tokens.oauth_grant_id", "is not", null);
  if ("userId" in whose) query = query.where("access_tokens.user_id", "=", whose.userId);
  return query.orderBy("access_tokens.created_at", "desc").orderBy("access_tokens.id").execute();
}
