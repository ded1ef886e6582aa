import { getDb } from "@/db";
import { api, requireApiActor } from "@/lib/http/api";
import { listMyInvitations } from "@/lib/teams/invitations";

// GET /api/v1/invitations - your team invitations waiting for an answer
export const GET = api(async (request) => {
  const actor = await requireApiActor(request);
  return Response.json({ invitations: await listMyInvitations(getDb(), actor) });
});
