import type { Database } from "@/db";
import { findMembership } from "@/db/queries/teams";
import { recordEvent } from "@/lib/audit/record-event";
import { type Actor, isAdmin } from "@/lib/auth/actor";
import { notFound } from "@/lib/errors";
import { getReplicaBus } from "@/lib/replica-bus";
import { uuidOrThrow } from "@/lib/validation";

/**
 * Revokes a credential (its owner, its team's admins, or an admin). Gateways treat it as
 * missing at once on this replica (within a second elsewhere); its instance stops at the
 * next reconcile pass, which the caller triggers.
 */
export async function revokeCredential(db: Database, actor: Actor, id: string): Promise<void> {
  const c = await db
    .selectFrom("credentials")
    .select(["id", "catalog_item_id", "owner_user_id", "owner_team_id", "status"])
    .where("id", "=", uuidOrThrow(id, "Credential"))
    .executeTakeFirst();
  if (!c || c.status === "revoked") throw notFound("Credential");
  const allowed =
    isAdmin(actor) ||
    c.owner_user_id === actor.id ||
    (c.owner_team_id !== null && (await findMembership(db, c.owner_team_id, actor.id))?.role === "admin");
  if (!allowed) throw notFound("Credential");
  await db
    .updateTable("credentials")
    .set({ status: "revoked", revoked_at: new Date(), updated_at: new Date() })
    .where("id", "=", c.id)
    .execute();
  getReplicaBus().announce({ kind: "credentials-changed", itemId: c.catalog_item_id });
  await recordEvent(db, {
    action: "credential.revoke",
    outcome: "ok",
    actor_user_id: actor.id,
    catalog_item_id: c.catalog_item_id,
    credential_id: c.id,
  });
}
