import { getDb } from "@/db";
import { getKeyring } from "@/lib/app-secrets";
import { api, readJson, requireApiActor } from "@/lib/http/api";
import { createCatalogItem, publicCatalogItem } from "@/lib/registry/create-catalog-item";
import { fromServerJson } from "@/lib/registry/server-json";

// POST /api/v1/catalog/import - add a server described by an MCP Registry server.json (admins)
export const POST = api(async (request) => {
  const actor = await requireApiActor(request);
  const input = fromServerJson(await readJson(request));
  const item = await createCatalogItem(getDb(), getKeyring(), actor, input);
  return Response.json({ item: publicCatalogItem(item) }, { status: 201 });
});
