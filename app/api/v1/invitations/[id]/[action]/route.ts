import { getDb } from "@/db";
import { notFound } from "@/lib/errors";
import { api, requireApiActor } from "@/lib/http/api";
import { acceptInvitation, declineInvitation } from "@/lib/teams/invitations";

// POST /api/v1/invitations/:id/accept|decline - join the team, or say no (the invitee only)
export const POST = api(async (request, { params }: { params: Promise<{ id: string; action: string }> }) => {
  const actor = await requireApiActor(request);
  const { id, action } = await params;
  if (action === "accept") return Response.json({ membership: await acceptInvitation(getDb(), actor, id) });
  if (action === "decline") {
    await declineInvitation(getDb(), actor, id);
    return new Response(null, { status: 204 });
  }
  throw notFound("Action");
});
