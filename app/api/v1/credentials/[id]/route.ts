import { getDb } from "@/db";
import { revokeCredential } from "@/lib/credentials/revoke-credential";
import { setCredentialTeamUse } from "@/lib/credentials/set-team-use";
import { api, readJson, requireApiActor } from "@/lib/http/api";
import { getOrchestrator } from "@/lib/orchestrator";

type Context = { params: Promise<{ id: string }> };

// PATCH /api/v1/credentials/:id {teamUse} - let your teams' tokens use your personal credential, or not (its owner)
export const PATCH = api(async (request, { params }: Context) => {
  const actor = await requireApiActor(request);
  const credential = await setCredentialTeamUse(getDb(), actor, (await params).id, await readJson(request));
  return Response.json({ credential });
});

// DELETE /api/v1/credentials/:id - revoke a credential; its instance stops
export const DELETE = api(async (request, { params }: Context) => {
  const actor = await requireApiActor(request);
  await revokeCredential(getDb(), actor, (await params).id);
  await (await getOrchestrator()).reconciler.trigger().catch(() => {});
  return new Response(null, { status: 204 });
});
