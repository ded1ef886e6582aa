import type { Database } from "@/db";
import { recordEvent } from "@/lib/audit/record-event";
import { type Actor, isAdmin } from "@/lib/auth/actor";
import { notFound } from "@/lib/errors";
import { uuidOrThrow } from "@/lib/validation";

/** Revokes a token the actor owns (admins may revoke any personal token). */
export async function revokeToken(db: Database, actor: Actor, tokenId: string): Promise<void> {
  let query = db
    .updateTable("access_tokens")
    .set({ revoked_at: new Date() })
    .where("id", "=", uuidOrThrow(tokenId, "Active token"))
    .where("revoked_at", "is", null);
  if (!isAdmin(actor)) query = query.where("user_id", "=", actor.id);
  const result = await query.executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw notFound("Active token");
  await recordEvent(db, { action: "token.revoke", outcome: "ok", actor_user_id: actor.id, actor_token_id: tokenId });
}
