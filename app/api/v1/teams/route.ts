import { getDb } from "@/db";
import { listTeams } from "@/db/queries/teams";
import { isAdmin } from "@/lib/auth/actor";
import { api, readJson, requireApiActor } from "@/lib/http/api";
import { createTeam } from "@/lib/teams/create-team";

// GET /api/v1/teams - teams the caller can see (admins: all)
export const GET = api(async (request) => {
  const actor = await requireApiActor(request);
  const teams = await listTeams(getDb(), actor.id, { all: isAdmin(actor) });
  return Response.json({ teams });
});

// POST /api/v1/teams - create a team (admins)
export const POST = api(async (request) => {
  const actor = await requireApiActor(request);
  const team = await createTeam(getDb(), actor, (await readJson(request)) as { name: string });
  return Response.json({ team }, { status: 201 });
});
