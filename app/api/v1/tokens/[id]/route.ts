import { getDb } from "@/db";
import { api, requireApiActor } from "@/lib/http/api";
import { revokeToken } from "@/lib/tokens/revoke-token";

// DELETE /api/v1/tokens/:id - revoke a token
export const DELETE = api(async (request, { params }: { params: Promise<{ id: string }> }) => {
  const actor = await requireApiActor(request);
  await revokeToken(getDb(), actor, (await params).id);
  return new Response(null, { status: 204 });
});
