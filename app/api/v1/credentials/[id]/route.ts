import { getDb } from "@/db";
import { revokeCredential } from "@/lib/credentials/revoke-credential";
import { api, requireApiActor } from "@/lib/http/api";
import { getOrchestrator } from "@/lib/orchestrator";

// DELETE /api/v1/credentials/:id - revoke a credential; its instance stops
export const DELETE = api(async (request, { params }: { params: Promise<{ id: string }> }) => {
  const actor = await requireApiActor(request);
  await revokeCredential(getDb(), actor, (await params).id);
  await (await getOrchestrator()).reconciler.trigger().catch(() => {});
  return new Response(null, { status: 204 });
});
