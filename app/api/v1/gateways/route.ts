import { getDb } from "@/db";
import { createGateway } from "@/lib/gateway/create-gateway";
import { listUsableGateways, userViewer } from "@/lib/gateway/gateway-access";
import type { CreateGatewayInput } from "@/lib/gateway/schemas";
import { api, readJson, requireApiActor } from "@/lib/http/api";

// GET /api/v1/gateways - gateways the caller may use
export const GET = api(async (request) => {
  const db = getDb();
  const viewer = await userViewer(db, await requireApiActor(request));
  return Response.json({ gateways: await listUsableGateways(db, viewer) });
});

// POST /api/v1/gateways - create a gateway (admins; team admins for their team)
export const POST = api(async (request) => {
  const db = getDb();
  const viewer = await userViewer(db, await requireApiActor(request));
  const gateway = await createGateway(db, viewer, (await readJson(request)) as CreateGatewayInput);
  return Response.json({ gateway }, { status: 201 });
});
