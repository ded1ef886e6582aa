import { getDb } from "@/db";
import { listTeams } from "@/db/queries/teams";
import { api, requireApiActor } from "@/lib/http/api";

// GET /api/v1/me - who the token belongs to, and their teams
export const GET = api(async (request) => {
  const actor = await requireApiActor(request);
  const teams = await listTeams(getDb(), actor.id, { all: false });
  return Response.json({
    user: actor,
    teams: teams.map((t) => ({ id: t.id, slug: t.slug, name: t.name, role: t.my_role })),
  });
});
