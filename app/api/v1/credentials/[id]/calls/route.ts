import { getDb } from "@/db";
import { listCredentialCalls } from "@/lib/credentials/credential-calls";
import { api, requireApiActor } from "@/lib/http/api";

// GET /api/v1/credentials/:id/calls?limit= - its latest calls and who made them (owner, team admins, admins)
export const GET = api(async (request, { params }: { params: Promise<{ id: string }> }) => {
  const actor = await requireApiActor(request);
  const limit = Number(new URL(request.url).searchParams.get("limit") ?? "") || undefined;
  return Response.json({ calls: await listCredentialCalls(getDb(), actor, (await params).id, limit) });
});
