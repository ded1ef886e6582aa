import { getDb } from "@/db";
import { listTeamMembers } from "@/db/queries/teams";
import { api, readJson, requireApiActor } from "@/lib/http/api";
import { renameTeam } from "@/lib/teams/rename-team";
import { getTeamOrThrow } from "@/lib/teams/team-access";

type Context = { params: Promise<{ team: string }> };

// GET /api/v1/teams/:team - a team (by id or slug) with its members
export const GET = api(async (request, { params }: Context) => {
  const actor = await requireApiActor(request);
  const db = getDb();
  const { team, role } = await getTeamOrThrow(db, actor, (await params).team);
  return Response.json({ team, myRole: role, members: await listTeamMembers(db, team.id) });
});

// PATCH /api/v1/teams/:team - rename (admins and team admins)
export const PATCH = api(async (request, { params }: Context) => {
  const actor = await requireApiActor(request);
  const team = await renameTeam(getDb(), actor, (await params).team, (await readJson(request)) as { name: string });
  return Response.json({ team });
});
