import { getDb } from "@/db";
import { notFound } from "@/lib/errors";
import { api, requireApiActor } from "@/lib/http/api";
import { publicOrigin } from "@/lib/http/public-url";
import { findCatalogItem } from "@/lib/registry/create-catalog-item";
import { toServerJson } from "@/lib/registry/server-json";

// GET /api/v1/catalog/:server/server.json - a server as an MCP Registry server.json
export const GET = api(async (request, { params }: { params: Promise<{ server: string }> }) => {
  await requireApiActor(request);
  const item = await findCatalogItem(getDb(), (await params).server);
  if (!item) throw notFound("Server");
  // Reverse-DNS namespace from the app's own host name.
  const namespace = new URL(publicOrigin(request.headers)).hostname.split(".").reverse().join(".");
  return Response.json(toServerJson(item, namespace));
});
