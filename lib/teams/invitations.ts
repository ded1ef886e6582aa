import type { Database } from "@/db";
import type { TeamRole } from "@/db/schema";
import { recordEvent } from "@/lib/audit/record-event";
import type { Actor } from "@/lib/auth/actor";
import { notFound } from "@/lib/errors";
import { getReplicaBus } from "@/lib/replica-bus";
import { uuidOrThrow } from "@/lib/validation";
import { getManagedTeamOrThrow } from "./team-access";

/** How long an invitation waits for an answer. */
export const INVITATION_DAYS = 14;

export interface PendingInvitation {
  id: string;
  team_id: string;
  user_id: string;
  role: TeamRole;
  created_at: Date;
  expires_at: Date;
}

/** An invitation as its invitee sees it: which team, which role, who asked. */
export interface MyInvitation extends PendingInvitation {
  team_name: string;
  team_slug: string;
  invited_by_name: string | null;
}

/** An invitation as the team's admins see it: whom they asked. */
export interface TeamInvitation extends PendingInvitation {
  email: string;
  name: string;
  invited_by_name: string | null;
}

/**
 * Invites a person (who is not in the team) to it, or renews their pending invitation with this
 * role. The caller has checked that the actor manages the team.
 */
export async function inviteToTeam(
  db: Database,
  actor: Actor,
  input: { teamId: string; userId: string; role: TeamRole },
): Promise<PendingInvitation> {
  const expires = new Date(Date.now() + INVITATION_DAYS * 86_400_000);
  const invitation = await db
    .insertInto("team_invitations")
    .values({
      team_id: input.teamId,
      user_id: input.userId,
      role: input.role,
      invited_by: actor.id,
      expires_at: expires,
    })
    .onConflict((oc) =>
      oc.columns(["team_id", "user_id"]).doUpdateSet({ role: input.role, invited_by: actor.id, expires_at: expires }),
    )
    .returning(["id", "team_id", "user_id", "role", "created_at", "expires_at"])
    .executeTakeFirstOrThrow();
  await recordEvent(db, {
    action: "team.invitation.create",
    outcome: "ok",
    actor_user_id: actor.id,
    team_id: input.teamId,
    details: { invitationId: invitation.id, userId: input.userId, role: input.role },
  });
  return invitation;
}

/** What every listing of invitations shows of one. */
const INVITATION_COLUMNS = ["i.id", "i.team_id", "i.user_id", "i.role", "i.created_at", "i.expires_at"] as const;

/** The actor's own invitations that still wait for an answer. */
export async function listMyInvitations(db: Database, actor: Actor): Promise<MyInvitation[]> {
  return db
    .selectFrom("team_invitations as i")
    .innerJoin("teams as t", "t.id", "i.team_id")
    .leftJoin("users as by", "by.id", "i.invited_by")
    .select([...INVITATION_COLUMNS, "t.name as team_name", "t.slug as team_slug", "by.name as invited_by_name"])
    .where("i.user_id", "=", actor.id)
    .where("i.expires_at", ">", new Date())
    .orderBy("i.created_at")
    .execute();
}

/** A team's invitations that still wait for an answer (the team's admins and org admins). */
export async function listTeamInvitations(db: Database, actor: Actor, teamIdOrSlug: string): Promise<TeamInvitation[]> {
  const { team } = await getManagedTeamOrThrow(db, actor, teamIdOrSlug);
  return db
    .selectFrom("team_invitations as i")
    .innerJoin("users as u", "u.id", "i.user_id")
    .leftJoin("users as by", "by.id", "i.invited_by")
    .select([...INVITATION_COLUMNS, "u.email", "u.name", "by.name as invited_by_name"])
    .where("i.team_id", "=", team.id)
    .where("i.expires_at", ">", new Date())
    .orderBy("i.created_at")
    .execute();
}

/**
 * The invitee joins the team with the invitation's role. Only the invitee can accept; anyone
 * else (and an expired or answered invitation) gets not-found, so ids reveal nothing.
 */
export async function acceptInvitation(
  db: Database,
  actor: Actor,
  invitationId: string,
): Promise<{ teamId: string; teamSlug: string; role: TeamRole }> {
  const id = uuidOrThrow(invitationId, "Invitation");
  const joined = await db.transaction().execute(async (trx) => {
    const invitation = await trx
      .deleteFrom("team_invitations")
      .where("id", "=", id)
      .where("user_id", "=", actor.id)
      .where("expires_at", ">", new Date())
      .returning(["team_id", "role"])
      .executeTakeFirst();
    if (!invitation) return undefined;
    await trx
      .insertInto("team_members")
      .values({ team_id: invitation.team_id, user_id: actor.id, role: invitation.role })
      .onConflict((oc) => oc.columns(["team_id", "user_id"]).doNothing())
      .execute();
    const team = await trx
      .selectFrom("teams")
      .select("slug")
      .where("id", "=", invitation.team_id)
      .executeTakeFirstOrThrow();
    return { teamId: invitation.team_id, teamSlug: team.slug, role: invitation.role };
  });
  if (!joined) throw notFound("Invitation");
  getReplicaBus().announce({ kind: "callers-changed" });
  await recordEvent(db, {
    action: "team.invitation.accept",
    outcome: "ok",
    actor_user_id: actor.id,
    team_id: joined.teamId,
    details: { invitationId: id, role: joined.role },
  });
  return joined;
}

/** The invitee says no: the invitation is gone and nothing else changes. */
export async function declineInvitation(db: Database, actor: Actor, invitationId: string): Promise<void> {
  const id = uuidOrThrow(invitationId, "Invitation");
  const gone = await db
    .deleteFrom("team_invitations")
    .where("id", "=", id)
    .where("user_id", "=", actor.id)
    .returning("team_id")
    .executeTakeFirst();
  if (!gone) throw notFound("Invitation");
  await recordEvent(db, {
    action: "team.invitation.decline",
    outcome: "ok",
    actor_user_id: actor.id,
    team_id: gone.team_id,
    details: { invitationId: id },
  });
}

/** A team admin (or an org admin) withdraws a pending invitation of their team. */
export async function cancelInvitation(
  db: Database,
  actor: Actor,
  teamIdOrSlug: string,
  invitationId: string,
): Promise<void> {
  const { team } = await getManagedTeamOrThrow(db, actor, teamIdOrSlug);
  const id = uuidOrThrow(invitationId, "Invitation");
  const gone = await db
    .deleteFrom("team_invitations")
    .where("id", "=", id)
    .where("team_id", "=", team.id)
    .returning("user_id")
    .executeTakeFirst();
  if (!gone) throw notFound("Invitation");
  await recordEvent(db, {
    action: "team.invitation.cancel",
    outcome: "ok",
    actor_user_id: actor.id,
    team_id: team.id,
    details: { invitationId: id, userId: gone.user_id },
  });
}
