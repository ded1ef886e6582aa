import type { Database } from "@/db";
import type { DiscoveredTool } from "@/db/schema";
import type { Gateway } from "./gateway-access";
import { exposedToolName } from "./tool-names";

export interface ExposedTool {
  /** The name callers see. */
  name: string;
  /** The server's own name for it. */
  upstreamName: string;
  definition: DiscoveredTool;
  assignment: LoadedAssignment;
}

export interface LoadedAssignment {
  id: string;
  /** The assignment's prefix override (null: the server's slug; "": none). */
  prefix: string | null;
  mode: "static" | "call_time";
  staticCredentialId: string | null;
  item: { id: string; slug: string; name: string; kind: "local" | "remote" };
}

/** A gateway's assignments and the tools they expose, under their exposed names. */
export async function loadGatewayTools(db: Database, gateway: Gateway): Promise<ExposedTool[]> {
  return (await loadGateway(db, gateway)).tools;
}

/** A gateway's assignments, and the tools they expose under their exposed names. */
export async function loadGateway(
  db: Database,
  gateway: Gateway,
): Promise<{ assignments: LoadedAssignment[]; tools: ExposedTool[] }> {
  const rows = await db
    .selectFrom("gateway_tool_assignments as a")
    .innerJoin("catalog_items as item", "item.id", "a.catalog_item_id")
    .select([
      "a.id",
      "a.tools as selection",
      "a.prefix",
      "a.credential_mode",
      "a.static_credential_id",
      "item.id as item_id",
      "item.slug",
      "item.name",
      "item.kind",
      "item.tools",
    ])
    .where("a.gateway_id", "=", gateway.id)
    .orderBy("a.created_at")
    .execute();
  const assignments: LoadedAssignment[] = rows.map((row) => ({
    id: row.id,
    prefix: row.prefix,
    mode: row.credential_mode,
    staticCredentialId: row.static_credential_id,
    item: { id: row.item_id, slug: row.slug, name: row.name, kind: row.kind },
  }));
  const tools = rows.flatMap((row, i) => {
    const selection = row.selection as string[] | null;
    return (row.tools as DiscoveredTool[])
      .filter((t) => !selection || selection.includes(t.name))
      .map((t) => ({
        name: exposedToolName(row.prefix, row.slug, t.name),
        upstreamName: t.name,
        definition: t,
        assignment: assignments[i] as LoadedAssignment,
      }));
  });
  return { assignments, tools };
}
