import type { Database } from "@/db";
import type { TokenListing } from "@/db/queries/tokens";
import { recordEvent } from "@/lib/audit/record-event";
import type { Actor } from "@/lib/auth/actor";
import { notFound } from "@/lib/errors";
import { insertToken } from "./create-token";
import { manageableToken } from "./revoke-token";
import { forgetToken } from "./token-cache";

/**
 * Replaces a token with a new one that acts as the same person, team or organisation under the
 * same name, and revokes the old one, together (a personal token by its owner only; team and org
 * tokens as for revoking): there is never a moment with neither or both.
 * A token that expires gets the same lifetime again, counted from now. The new token is returned
 * once and never stored. A connected app is not rotated.
 */
export async function rotateToken(
  db: Database,
  actor: Actor,
  tokenId: string,
): Promise<{ token: string; listing: TokenListing; replaced: string }> {
  const old = await manageableToken(db, actor, tokenId);
  // Revoking someone's personal token is an admin's to do; holding a new one that acts as them is
  // not (nobody can create a personal token for someone else either). An expired token is done.
  if (old.kind === "user" && old.user_id !== actor.id) throw notFound("Active token");
  // A connected app's row holds no secret anyone has; rotating it would mint a real token that
  // acts as the person. It is disconnected (revoked), and connected again from the client.
  if (old.oauth_grant_id !== null) throw notFound("Active token");
  const now = new Date();
  if (old.expires_at && old.expires_at <= now) throw notFound("Active token");
  const lifetime = old.expires_at ? old.expires_at.getTime() - old.created_at.getTime() : null;
  const created = await db.transaction().execute(async (trx) => {
    const revoked = await trx
      .updateTable("access_tokens")
      .set({ revoked_at: now })
      .where("id", "=", old.id)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    // Rotated or revoked at the same moment by someone else: theirs stands.
    if (Number(revoked.numUpdatedRows) !== 1) return null;
    return insertToken(trx, {
      kind: old.kind,
      user_id: old.user_id,
      team_id: old.team_id,
      name: old.name,
      created_by: actor.id,
      expires_at: lifetime === null ? null : new Date(now.getTime() + lifetime),
    });
  });
  forgetToken(old.prefix);
  if (!created) throw notFound("Active token");
  const { token, row, listing } = created;
  await recordEvent(db, {
    action: "token.rotate",
    outcome: "ok",
    actor_user_id: actor.id,
    actor_token_id: row.id,
    token_kind: row.kind,
    team_id: row.team_id,
    details: { prefix: row.prefix, replaced: old.prefix },
  });
  return { token, listing, replaced: old.id };
}
