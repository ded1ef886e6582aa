import { getDb } from "@/db";
import { api, requireApiActor } from "@/lib/http/api";
import { listVisibleInstances } from "@/lib/orchestrator/instance-access";

// GET /api/v1/instances - server instances the caller may see, with status
export const GET = api(async (request) => {
  const actor = await requireApiActor(request);
  return Response.json({ instances: await listVisibleInstances(getDb(), actor) });
});
