import { getDb } from "@/db";
import { api, requireApiActor } from "@/lib/http/api";
import { removeTeamMember } from "@/lib/teams/members";

type Context = { params: Promise<{ team: string; user: string }> };

// DELETE /api/v1/teams/:team/members/:user - remove a person from the team
export const DELETE = api(async (request, { params }: Context) => {
  const actor = await requireApiActor(request);
  const { team, user } = await params;
  await removeTeamMember(getDb(), actor, team, user);
  return new Response(null, { status: 204 });
});
