import { randomBytes } from "node:crypto";
import type { Database } from "@/db";
import { findUserById } from "@/db/queries/users";
import { toActor } from "@/lib/auth/actor";
import type { Keyring } from "@/lib/crypto";
import { authenticateToken, type TokenPrincipal } from "@/lib/tokens/authenticate-token";
import { TOKEN_CACHE_TTL_MS } from "@/lib/tokens/token-cache";
import { hashToken, tokenPrefix } from "@/lib/tokens/token-format";
import { sharedCache } from "@/lib/ttl-cache";
import { storageAdapter } from "./storage-adapter";

/**
 * A client connected to a gateway through the app's authorization server acts as the person who
 * consented: one of their tokens (a connected app), listed and revoked like any other. Its
 * access tokens are the authorization server's (opaque, short-lived, stored hashed); this is how
 * a gateway takes one.
 */

/** Access tokens checked in the last second, by their hash and the gateway they were presented to. */
const checked = sharedCache<string, TokenPrincipal>("gateway-access-tokens", TOKEN_CACHE_TTL_MS);

/** Forgets every access token checked here (a connected app was revoked: it stops at once on this replica). */
export const forgetGatewayAccessTokens = () => checked().clear();

/**
 * Who a gateway request's bearer token stands for, or null: one of the app's own tokens, or an
 * access token the app's authorization server issued for exactly this gateway. A token checked
 * within the last second is answered at once, without a promise (the gateway's hot path awaits
 * only what needs the database).
 */
export function authenticateAtGateway(
  db: Database,
  keyring: Keyring,
  token: string,
  gatewayUrl: string,
): TokenPrincipal | null | Promise<TokenPrincipal | null> {
  if (tokenPrefix(token)) return authenticateToken(db, token);
  const key = `${hashToken(token)} ${gatewayUrl}`;
  const hit = checked().get(key);
  if (hit) return hit;
  return authenticateGatewayAccessToken(db, keyring, token, gatewayUrl).then((principal) => {
    if (principal) {
      checked().set(key, principal);
      touchConnectedApp(db, principal.token.id);
    }
    return principal;
  });
}

const touched = sharedCache<string, true>("connected-app-touched", 60_000);

/** last_used_at of a connected app: informational, written at most once a minute per app, off the caller's path. */
function touchConnectedApp(db: Database, id: string): void {
  if (touched().get(id)) return;
  touched().set(id, true);
  void db
    .updateTable("access_tokens")
    .set({ last_used_at: new Date() })
    .where("id", "=", id)
    .execute()
    .catch(() => {});
}

/** Records a consent as the person's connected app; returns the token row's id. */
export async function recordConnectedApp(
  db: Database,
  app: { userId: string; clientId: string; clientName: string; grantId: string; gatewayId: string },
): Promise<string> {
  const row = await db
    .insertInto("access_tokens")
    .values({
      kind: "user",
      user_id: app.userId,
      name: app.clientName.slice(0, 200),
      // Not a token anyone holds: a unique prefix and the hash of a secret nobody was given.
      prefix: `oauth_${randomBytes(9).toString("base64url")}`,
      secret_hash: hashToken(randomBytes(32).toString("base64url")),
      created_by: app.userId,
      oauth_grant_id: app.grantId,
      oauth_client_id: app.clientId,
      gateway_id: app.gatewayId,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * The person an access token of the authorization server stands for at this gateway, or null:
 * unknown or expired, issued for another gateway (its audience is exactly the gateway's URL), its
 * connected app revoked or expired, or its person unable to sign in. All look alike to the caller.
 */
export async function authenticateGatewayAccessToken(
  db: Database,
  keyring: Keyring,
  token: string,
  gatewayUrl: string,
  now = Date.now(),
): Promise<TokenPrincipal | null> {
  const issued = await storageAdapter(db, keyring, "AccessToken").find(token);
  if (!issued || typeof issued.exp !== "number" || issued.exp * 1000 <= now) return null;
  if (issued.aud !== gatewayUrl || !issued.grantId || !issued.accountId) return null;
  const app = await db
    .selectFrom("access_tokens")
    .select(["id", "kind", "team_id", "prefix", "user_id", "revoked_at", "expires_at"])
    .where("oauth_grant_id", "=", issued.grantId)
    .executeTakeFirst();
  if (!app || app.revoked_at || (app.expires_at && app.expires_at.getTime() <= now)) return null;
  if (app.user_id !== issued.accountId) return null;
  const person = await findUserById(db, app.user_id);
  if (!person || person.disabled_at) return null;
  return { token: { id: app.id, kind: app.kind, team_id: app.team_id, prefix: app.prefix }, user: toActor(person) };
}
