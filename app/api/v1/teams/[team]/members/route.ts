import { getDb } from "@/db";
import { api, readJson, requireApiActor } from "@/lib/http/api";
import { addTeamMember } from "@/lib/teams/members";

type Context = { params: Promise<{ team: string }> };

// POST /api/v1/teams/:team/members - add a person by email, or change their team role
export const POST = api(async (request, { params }: Context) => {
  const actor = await requireApiActor(request);
  const member = await addTeamMember(getDb(), actor, (await params).team, (await readJson(request)) as never);
  return Response.json({ member }, { status: 201 });
});
