import type { Database } from "@/db";
import type { Team, TeamRole } from "@/db/schema";
import { isUuid } from "@/lib/validation";

export interface TeamSummary extends Team {
  member_count: number;
  /** The viewer's role in the team, or null when they are not a member. */
  my_role: TeamRole | null;
}

export interface TeamMemberRow {
  user_id: string;
  email: string;
  name: string;
  role: TeamRole;
  joined_at: Date;
}

/** Teams with member counts; all of them, or only those `userId` belongs to. */
export async function listTeams(db: Database, viewerId: string, opts: { all: boolean }): Promise<TeamSummary[]> {
  let query = db
    .selectFrom("teams")
    .leftJoin("team_members as mine", (join) =>
      join.onRef("mine.team_id", "=", "teams.id").on("mine.user_id", "=", viewerId),
    )
    .selectAll("teams")
    .select((eb) => [
      "mine.role as my_role",
      eb
        .selectFrom("team_members")
        .whereRef("team_members.team_id", "=", "teams.id")
        .select((e) => e.fn.countAll<string>().as("n"))
        .as("member_count"),
    ])
    .orderBy("teams.name");
  if (!opts.all) query = query.where("mine.user_id", "is not", null);
  const rows = await query.execute();
  return rows.map((r) => ({ ...r, member_count: Number(r.member_count ?? 0), my_role: r.my_role ?? null }));
}

export async function findTeam(db: Database, idOrSlug: string): Promise<Team | undefined> {
  return db
    .selectFrom("teams")
    .selectAll()
    .where(isUuid(idOrSlug) ? "id" : "slug", "=", idOrSlug)
    .executeTakeFirst();
}

export async function listTeamMembers(db: Database, teamId: string): Promise<TeamMemberRow[]> {
  return db
    .selectFrom("team_members")
    .innerJoin("users", "users.id", "team_members.user_id")
    .select([
      "users.id as user_id",
      "users.email",
      "users.name",
      "team_members.role",
      "team_members.created_at as joined_at",
    ])
    .where("team_members.team_id", "=", teamId)
    .orderBy("users.name")
    .execute();
}

export async function findMembership(
  db: Database,
  teamId: string,
  userId: string,
): Promise<{ role: TeamRole } | undefined> {
  return db
    .selectFrom("team_members")
    .select("role")
    .where("team_id", "=", teamId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
}
