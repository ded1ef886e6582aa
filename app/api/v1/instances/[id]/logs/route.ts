import { getDb } from "@/db";
import { api, requireApiActor } from "@/lib/http/api";
import { getOrchestrator } from "@/lib/orchestrator";
import { getInstanceOrThrow, instanceLogs } from "@/lib/orchestrator/instance-access";

// GET /api/v1/instances/:id/logs?tail=200 - the last lines an instance wrote (secrets redacted)
export const GET = api(async (request, { params }: { params: Promise<{ id: string }> }) => {
  const actor = await requireApiActor(request);
  const instance = await getInstanceOrThrow(getDb(), actor, (await params).id);
  const tail = Math.min(Math.max(Number(new URL(request.url).searchParams.get("tail") ?? 200) || 200, 1), 5000);
  return Response.json({ lines: await instanceLogs(await getOrchestrator(), instance, tail) });
});
