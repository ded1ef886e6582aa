import type { Database } from "@/db";
import { findMembership } from "@/db/queries/teams";
import type { AccessToken } from "@/db/schema";
import { recordEvent } from "@/lib/audit/record-event";
import { type Actor, isAdmin } from "@/lib/auth/actor";
import { notFound } from "@/lib/errors";
import { forgetGatewayAccessTokens } from "@/lib/oauth-server/gateway-token";
import { revokeGrant } from "@/lib/oauth-server/storage-adapter";
import { uuidOrThrow } from "@/lib/validation";
import { forgetToken } from "./token-cache";

/**
 * An active token this person may revoke or rotate: a personal token by its owner, a team token
 * by the team's admins, any token by an admin. Others are told it does not exist.
 */
export async function manageableToken(db: Database, actor: Actor, tokenId: string): Promise<AccessToken> {
  const token = await db
    .selectFrom("access_tokens")
    .selectAll()
    .where("id", "=", uuidOrThrow(tokenId, "Active token"))
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  if (!token) throw notFound("Active token");
  const allowed =
    isAdmin(actor) ||
    (token.kind === "user" && token.user_id === actor.id) ||
    (token.kind === "team" &&
      token.team_id !== null &&
      (await findMembership(db, token.team_id, actor.id))?.role === "admin");
  if (!allowed) throw notFound("Active token");
  return token;
}

/**
 * Revokes a token (see manageableToken for who may); it stops working on every replica within a
 * second. A connected app takes its grant along: the client's access and refresh tokens are gone.
 */
export async function revokeToken(db: Database, actor: Actor, tokenId: string): Promise<void> {
  const token = await manageableToken(db, actor, tokenId);
  await db.updateTable("access_tokens").set({ revoked_at: new Date() }).where("id", "=", token.id).execute();
  forgetToken(token.prefix);
  const app = token.oauth_grant_id !== null;
  if (token.oauth_grant_id !== null) {
    await revokeGrant(db, token.oauth_grant_id);
    forgetGatewayAccessTokens();
  }
  await recordEvent(db, {
    action: app ? "app.revoke" : "token.revoke",
    outcome: "ok",
    actor_user_id: actor.id,
    actor_token_id: token.id,
    token_kind: token.kind,
    ...(app ? { gateway_id: token.gateway_id, details: { client: token.oauth_client_id } } : {}),
  });
}
