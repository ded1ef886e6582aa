import type { Database } from "@/db";
import { findMembership, findTeam } from "@/db/queries/teams";
import type { Team, TeamRole } from "@/db/schema";
import { type Actor, isAdmin } from "@/lib/auth/actor";
import { forbidden, notFound } from "@/lib/errors";

export interface TeamAccess {
  team: Team;
  /** The actor's role in the team; null for an org admin who is not a member. */
  role: TeamRole | null;
  canManage: boolean;
}

/** Pure: who may change a team's name and members. */
export function canManageTeam(actor: Actor, role: TeamRole | null): boolean {
  return isAdmin(actor) || role === "admin";
}

/**
 * Loads a team the actor may see (admins see every team, others their own).
 * Throws not-found rather than forbidden for other teams, so team names do not leak.
 */
export async function getTeamOrThrow(db: Database, actor: Actor, idOrSlug: string): Promise<TeamAccess> {
  const team = await findTeam(db, idOrSlug);
  if (!team) throw notFound("Team");
  const role = (await findMembership(db, team.id, actor.id))?.role ?? null;
  if (!role && !isAdmin(actor)) throw notFound("Team");
  return { team, role, canManage: canManageTeam(actor, role) };
}

export async function getManagedTeamOrThrow(db: Database, actor: Actor, idOrSlug: string): Promise<TeamAccess> {
  const access = await getTeamOrThrow(db, actor, idOrSlug);
  if (!access.canManage) throw forbidden("Only admins and team admins can change this team.");
  return access;
}
