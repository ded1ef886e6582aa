import { getDb } from "@/db";
import { getGatewayOrThrow, userViewer } from "@/lib/gateway/gateway-access";
import { loadGateway } from "@/lib/gateway/load-gateway";
import { api, requireApiActor } from "@/lib/http/api";
import { publicOrigin } from "@/lib/http/public-url";

// GET /api/v1/gateways/:gateway - a gateway, its MCP URL, the tools it exposes, what each server's
// assignment exposes of its prompts and resources, and name clashes that appeared after it was
// saved (see NameClash)
export const GET = api(async (request, { params }: { params: Promise<{ gateway: string }> }) => {
  const db = getDb();
  const viewer = await userViewer(db, await requireApiActor(request));
  const gateway = await getGatewayOrThrow(db, viewer, (await params).gateway);
  const { tools, clashes, assignments } = await loadGateway(db, gateway);
  const exposure = (list: string[] | null) => (list === null ? "all" : list.length === 0 ? "none" : list);
  return Response.json({
    gateway,
    url: `${publicOrigin(request.headers)}/api/mcp/${gateway.slug}`,
    tools: tools.map((t) => ({
      name: t.name,
      server: t.assignment.item.slug,
      tool: t.upstreamName,
      mode: t.assignment.mode,
    })),
    assignments: assignments.map((a) => ({
      server: a.item.slug,
      prefix: a.prefix,
      mode: a.mode,
      prompts: exposure(a.prompts),
      resources: exposure(a.resources),
    })),
    clashes,
  });
});
