import type { Database } from "@/db";
import { findMembership } from "@/db/queries/teams";
import { findUserByEmail } from "@/db/queries/users";
import type { TeamRole } from "@/db/schema";
import { recordEvent } from "@/lib/audit/record-event";
import { type Actor, isAdmin } from "@/lib/auth/actor";
import { AppError } from "@/lib/errors";
import { getReplicaBus } from "@/lib/replica-bus";
import { parseInput, uuidOrThrow } from "@/lib/validation";
import { type PendingInvitation, inviteToTeam } from "./invitations";
import { addMemberSchema } from "./schemas";
import { getManagedTeamOrThrow } from "./team-access";

export type AddMemberOutcome =
  /** Now in the team (an org admin added them), or their role in it changed. */
  | { kind: "member"; userId: string; role: TeamRole; changed: "added" | "role" | "unchanged" }
  /** Invited: not a member until they accept. */
  | { kind: "invited"; invitation: PendingInvitation };

/**
 * Adds a person to a team, or changes the team role of someone already in it.
 *
 * Membership is consensual: a team's members' personal credentials serve its team tokens, so a
 * team admin who is not an org admin only *invites*; the person counts as a member once they
 * accept. An org admin adds at once (or invites, with `invite: true`). Changing an existing
 * member's role needs no new consent: the role decides who manages the team, not whose
 * credentials it may use. Unknown emails get the same answer as before invitations existed.
 */
export async function addTeamMember(
  db: Database,
  actor: Actor,
  teamId: string,
  input: { email: string; role?: TeamRole; invite?: boolean },
): Promise<AddMemberOutcome> {
  const { team } = await getManagedTeamOrThrow(db, actor, teamId);
  const data = parseInput(addMemberSchema, input);
  const user = await findUserByEmail(db, data.email);
  if (!user) {
    throw new AppError("not_found", "No user has that email. Create the user first.", {
      email: "No user has that email.",
    });
  }
  const current = await findMembership(db, team.id, user.id);
  if (current) {
    if (current.role === data.role) return { kind: "member", userId: user.id, role: data.role, changed: "unchanged" };
    await db
      .updateTable("team_members")
      .set({ role: data.role })
      .where("team_id", "=", team.id)
      .where("user_id", "=", user.id)
      .execute();
    getReplicaBus().announce({ kind: "callers-changed" });
    await recordEvent(db, {
      action: "team.member.role",
      outcome: "ok",
      actor_user_id: actor.id,
      team_id: team.id,
      details: { userId: user.id, from: current.role, role: data.role },
    });
    return { kind: "member", userId: user.id, role: data.role, changed: "role" };
  }
  if (!isAdmin(actor) || data.invite) {
    const invitation = await inviteToTeam(db, actor, { teamId: team.id, userId: user.id, role: data.role });
    return { kind: "invited", invitation };
  }
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("team_members")
      .values({ team_id: team.id, user_id: user.id, role: data.role })
      .onConflict((oc) => oc.columns(["team_id", "user_id"]).doUpdateSet({ role: data.role }))
      .execute();
    await trx.deleteFrom("team_invitations").where("team_id", "=", team.id).where("user_id", "=", user.id).execute();
  });
  getReplicaBus().announce({ kind: "callers-changed" });
  await recordEvent(db, {
    action: "team.member.add",
    outcome: "ok",
    actor_user_id: actor.id,
    team_id: team.id,
    details: { userId: user.id, role: data.role, direct: true },
  });
  return { kind: "member", userId: user.id, role: data.role, changed: "added" };
}

export async function removeTeamMember(db: Database, actor: Actor, teamId: string, userId: string): Promise<void> {
  const { team } = await getManagedTeamOrThrow(db, actor, teamId);
  const removed = await db
    .deleteFrom("team_members")
    .where("team_id", "=", team.id)
    .where("user_id", "=", uuidOrThrow(userId, "Team member"))
    .executeTakeFirst();
  if (Number(removed.numDeletedRows) === 0) throw new AppError("not_found", "That person is not in this team.");
  getReplicaBus().announce({ kind: "callers-changed" });
  await recordEvent(db, {
    action: "team.member.remove",
    outcome: "ok",
    actor_user_id: actor.id,
    team_id: team.id,
    details: { userId },
  });
}
