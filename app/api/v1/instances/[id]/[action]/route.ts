import { getDb } from "@/db";
import { notFound } from "@/lib/errors";
import { api, requireApiActor } from "@/lib/http/api";
import { getOrchestrator } from "@/lib/orchestrator";
import { actOnInstance, getInstanceOrThrow, type InstanceAction } from "@/lib/orchestrator/instance-access";

const ACTIONS = new Set<InstanceAction>(["restart", "stop", "start"]);

// POST /api/v1/instances/:id/restart|stop|start - act on an instance (admins, its owner, team admins)
export const POST = api(async (request, { params }: { params: Promise<{ id: string; action: string }> }) => {
  const actor = await requireApiActor(request);
  const { id, action } = await params;
  if (!ACTIONS.has(action as InstanceAction)) throw notFound("Action");
  const db = getDb();
  await actOnInstance(db, await getOrchestrator(), actor, id, action as InstanceAction);
  return Response.json({ instance: await getInstanceOrThrow(db, actor, id) });
});
