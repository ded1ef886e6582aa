import type { Database } from "@/db";
import { isUniqueViolation } from "@/db/errors";
import type { Team } from "@/db/schema";
import { recordEvent } from "@/lib/audit/record-event";
import type { Actor } from "@/lib/auth/actor";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validation";
import { renameTeamSchema } from "./schemas";
import { getManagedTeamOrThrow } from "./team-access";

/** Renames a team; its slug (and so its URLs) stays the same. */
export async function renameTeam(db: Database, actor: Actor, teamId: string, input: { name: string }): Promise<Team> {
  const { team } = await getManagedTeamOrThrow(db, actor, teamId);
  const { name } = parseInput(renameTeamSchema, input);
  try {
    const updated = await db
      .updateTable("teams")
      .set({ name, updated_at: new Date() })
      .where("id", "=", team.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordEvent(db, {
      action: "team.rename",
      outcome: "ok",
      actor_user_id: actor.id,
      team_id: team.id,
      details: { from: team.name, to: name },
    });
    return updated;
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new AppError("conflict", "A team with that name already exists.", { name: "Already in use." });
    }
    throw err;
  }
}
