import { z } from "zod";
import type { Database } from "@/db";
import { recordEvent } from "@/lib/audit/record-event";
import type { Actor } from "@/lib/auth/actor";
import { notFound } from "@/lib/errors";
import { getReplicaBus } from "@/lib/replica-bus";
import { parseInput, uuidOrThrow } from "@/lib/validation";

export const updateCredentialSchema = z.strictObject(
  { teamUse: z.boolean({ message: "teamUse is true or false." }) },
  { message: "Only teamUse can be changed." },
);

/**
 * The owner of a personal credential lets their teams' tokens (and the org token) use it, or
 * keeps it for their own token only. Only the owner decides: it is their consent. Takes effect
 * at once on this replica and as soon as the others hear of it.
 */
export async function setCredentialTeamUse(
  db: Database,
  actor: Actor,
  credentialId: string,
  input: unknown,
): Promise<{ id: string; teamUse: boolean }> {
  const id = uuidOrThrow(credentialId, "Credential");
  const { teamUse } = parseInput(updateCredentialSchema, input);
  const c = await db
    .selectFrom("credentials")
    .select(["id", "scope", "owner_user_id", "catalog_item_id", "team_use", "status"])
    .where("id", "=", id)
    .executeTakeFirst();
  // Someone else's credential, or a team's (which has no owning person), is "not found", so ids
  // reveal nothing.
  if (!c || c.status === "revoked") throw notFound("Credential");
  if (c.owner_user_id !== actor.id) throw notFound("Credential");
  if (c.team_use !== teamUse) {
    await db
      .updateTable("credentials")
      .set({ team_use: teamUse, updated_at: new Date() })
      .where("id", "=", c.id)
      .execute();
    getReplicaBus().announce({ kind: "credentials-changed", itemId: c.catalog_item_id });
    await recordEvent(db, {
      action: "credential.team_use",
      outcome: "ok",
      actor_user_id: actor.id,
      catalog_item_id: c.catalog_item_id,
      credential_id: c.id,
      details: { teamUse },
    });
  }
  return { id: c.id, teamUse };
}
