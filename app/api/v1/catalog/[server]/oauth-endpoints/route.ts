import { getDb } from "@/db";
import { notFound } from "@/lib/errors";
import { api, requireApiActor } from "@/lib/http/api";
import { confirmPinnedEndpoints, pinsOf } from "@/lib/oauth/pin-endpoints";
import { findCatalogItem } from "@/lib/registry/create-catalog-item";

type Params = { params: Promise<{ server: string }> };

// GET /api/v1/catalog/:server/oauth-endpoints - the pinned sign-in endpoints, and changed ones waiting for an admin
export const GET = api(async (request, { params }: Params) => {
  await requireApiActor(request);
  const item = await findCatalogItem(getDb(), (await params).server);
  if (!item) throw notFound("Server");
  const { pinned, pending } = pinsOf(item);
  return Response.json({ pinned: pinned ?? null, pending: pending ?? null });
});

// POST /api/v1/catalog/:server/oauth-endpoints - an admin confirms the changed endpoints
export const POST = api(async (request, { params }: Params) => {
  const actor = await requireApiActor(request);
  const pinned = await confirmPinnedEndpoints(getDb(), actor, (await params).server);
  return Response.json({ pinned });
});
