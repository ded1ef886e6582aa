import { getDb } from "@/db";
import { api, requireApiActor } from "@/lib/http/api";
import { cancelInvitation } from "@/lib/teams/invitations";

// DELETE /api/v1/teams/:team/invitations/:id - withdraw a pending invitation (team admins, admins)
export const DELETE = api(async (request, { params }: { params: Promise<{ team: string; id: string }> }) => {
  const actor = await requireApiActor(request);
  const { team, id } = await params;
  await cancelInvitation(getDb(), actor, team, id);
  return new Response(null, { status: 204 });
});
