import { getDb } from "@/db";
import { api, requireApiActor } from "@/lib/http/api";
import { rotateToken } from "@/lib/tokens/rotate-token";

// POST /api/v1/tokens/:id/rotate - a new token in place of this one (same owner, name and
// lifetime), which is revoked; the new token is in this response only
export const POST = api(async (request, { params }: { params: Promise<{ id: string }> }) => {
  const actor = await requireApiActor(request);
  const rotated = await rotateToken(getDb(), actor, (await params).id);
  return Response.json({ token: rotated.token, replaced: rotated.replaced, ...rotated.listing }, { status: 201 });
});
