import { getDb } from "@/db";
import { api, requireApiActor } from "@/lib/http/api";
import { listTeamInvitations } from "@/lib/teams/invitations";

// GET /api/v1/teams/:team/invitations - the team's pending invitations (team admins, admins)
export const GET = api(async (request, { params }: { params: Promise<{ team: string }> }) => {
  const actor = await requireApiActor(request);
  return Response.json({ invitations: await listTeamInvitations(getDb(), actor, (await params).team) });
});
