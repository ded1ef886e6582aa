import type { Database } from "@/db";
import { findUserByEmail } from "@/db/queries/users";
import type { TeamRole } from "@/db/schema";
import { recordEvent } from "@/lib/audit/record-event";
import type { Actor } from "@/lib/auth/actor";
import { AppError } from "@/lib/errors";
import { parseInput, uuidOrThrow } from "@/lib/validation";
import { addMemberSchema } from "./schemas";
import { getManagedTeamOrThrow } from "./team-access";

/** Adds a person to a team, or changes their team role when they are already in it. */
export async function addTeamMember(
  db: Database,
  actor: Actor,
  teamId: string,
  input: { email: string; role?: TeamRole },
): Promise<{ userId: string; role: TeamRole }> {
  const { team } = await getManagedTeamOrThrow(db, actor, teamId);
  const data = parseInput(addMemberSchema, input);
  const user = await findUserByEmail(db, data.email);
  if (!user) {
    throw new AppError("not_found", "No user has that email. Create the user first.", {
      email: "No user has that email.",
    });
  }
  await db
    .insertInto("team_members")
    .values({ team_id: team.id, user_id: user.id, role: data.role })
    .onConflict((oc) => oc.columns(["team_id", "user_id"]).doUpdateSet({ role: data.role }))
    .execute();
  await recordEvent(db, {
    action: "team.member.add",
    outcome: "ok",
    actor_user_id: actor.id,
    team_id: team.id,
    details: { userId: user.id, role: data.role },
  });
  return { userId: user.id, role: data.role };
}

export async function removeTeamMember(db: Database, actor: Actor, teamId: string, userId: string): Promise<void> {
  const { team } = await getManagedTeamOrThrow(db, actor, teamId);
  const removed = await db
    .deleteFrom("team_members")
    .where("team_id", "=", team.id)
    .where("user_id", "=", uuidOrThrow(userId, "Team member"))
    .executeTakeFirst();
  if (Number(removed.numDeletedRows) === 0) throw new AppError("not_found", "That person is not in this team.");
  await recordEvent(db, {
    action: "team.member.remove",
    outcome: "ok",
    actor_user_id: actor.id,
    team_id: team.id,
    details: { userId },
  });
}
