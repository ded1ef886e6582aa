import type { Database } from "@/db";
import { sameSecret } from "@/lib/crypto";
import { findTokenByPrefix } from "@/db/queries/tokens";
import { findUserById } from "@/db/queries/users";
import type { AccessToken } from "@/db/schema";
import { type Actor, toActor } from "@/lib/auth/actor";
import { type CachedToken, cachedToken, rememberToken } from "./token-cache";
import { tokenMatches, tokenPrefix } from "./token-format";

/**
 * Who makes a request with a token, as the gateway, the relay rule, replicas forwarding a call
 * and the audit log all name them: the gateway's caller (lib/gateway/caller.ts) is this and what
 * the caller may see and which credentials resolve for them.
 */
export interface TokenCaller {
  tokenId: string;
  tokenKind: "user" | "team" | "org";
  /** The person behind a user token; null for team and org tokens. */
  userId: string | null;
  /** The team of a team token; null otherwise. */
  teamId: string | null;
}

/** The caller a token names. */
export function tokenCaller(principal: TokenPrincipal): TokenCaller {
  const { token, user } = principal;
  return {
    tokenId: token.id,
    tokenKind: token.kind,
    userId: token.kind === "user" ? (user?.id ?? null) : null,
    teamId: token.kind === "team" ? token.team_id : null,
  };
}

export interface TokenPrincipal {
  token: Pick<AccessToken, "id" | "kind" | "team_id" | "prefix">;
  /** The owner of a user token; null for team and org tokens. */
  user: Actor | null;
}

/**
 * Resolves a presented token to its principal, or null when it is malformed, unknown,
 * revoked, expired, or belongs to a disabled user. All of these look alike to the caller.
 * Checked in constant time on every call: against the stored hash, or, within the second a
 * token's row is cached, against the token that last matched it.
 * A token whose row is cached is answered at once, without a promise: the gateway's hot path
 * awaits only what needs the database.
 */
export function authenticateToken(
  db: Database,
  token: string,
  now: Date = new Date(),
): TokenPrincipal | null | Promise<TokenPrincipal | null> {
  const prefix = tokenPrefix(token);
  if (!prefix) return null;
  const entry = cachedToken(prefix);
  return entry ? check(db, entry, token, now) : load(db, prefix).then((e) => (e ? check(db, e, token, now) : null));
}

async function load(db: Database, prefix: string): Promise<CachedToken | null> {
  const row = await findTokenByPrefix(db, prefix);
  if (!row) return null;
  let user: Actor | null = null;
  if (row.kind === "user") {
    const owner = row.user_id ? await findUserById(db, row.user_id) : undefined;
    if (!owner || owner.disabled_at) return null;
    user = toActor(owner);
  }
  return rememberToken(prefix, { row, user });
}

function check(db: Database, entry: CachedToken, token: string, now: Date): TokenPrincipal | null {
  const { row, user } = entry;
  if (entry.matched === undefined || !sameSecret(entry.matched, token)) {
    if (!tokenMatches(token, row.secret_hash)) return null;
    entry.matched = token;
  }
  if (row.revoked_at || (row.expires_at && row.expires_at <= now)) return null;
  // last_used_at is informational: written at most once a minute per token, off the caller's path.
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > 60_000) {
    row.last_used_at = now;
    void db
      .updateTable("access_tokens")
      .set({ last_used_at: now })
      .where("id", "=", row.id)
      .execute()
      .catch(() => {});
  }
  return { token: { id: row.id, kind: row.kind, team_id: row.team_id, prefix: row.prefix }, user };
}
