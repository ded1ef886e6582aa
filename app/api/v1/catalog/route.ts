import { getDb } from "@/db";
import { getKeyring } from "@/lib/app-secrets";
import { api, readJson, requireApiActor } from "@/lib/http/api";
import { createCatalogItem, publicCatalogItem } from "@/lib/registry/create-catalog-item";
import type { CatalogItemInput } from "@/lib/registry/schemas";

// GET /api/v1/catalog - every server in the private registry
export const GET = api(async (request) => {
  await requireApiActor(request);
  const items = await getDb().selectFrom("catalog_items").selectAll().orderBy("name").execute();
  return Response.json({ items: items.map(publicCatalogItem) });
});

// POST /api/v1/catalog - add a local or remote server (admins)
export const POST = api(async (request) => {
  const actor = await requireApiActor(request);
  const item = await createCatalogItem(getDb(), getKeyring(), actor, (await readJson(request)) as CatalogItemInput);
  return Response.json({ item: publicCatalogItem(item) }, { status: 201 });
});
