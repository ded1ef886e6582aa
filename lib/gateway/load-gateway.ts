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
  /** Prompts exposed by the server's names (null: all; []: none). */
  prompts: string[] | null;
  /** Resources exposed by the server's URIs and URI templates (null: all; []: none). */
  resources: string[] | null;
  item: { id: string; slug: string; name: string; kind: "local" | "remote" };
}

/**
 * Two assignments' tools under one name. Names are checked when a gateway is saved, but a
 * server's tools can change afterwards (discovered after the save, or a new version): then the
 * tool of the assignment listed first keeps the name and the later one's is hidden, and the gateway's page
 * and API say so until someone gives one of them another prefix.
 */
export interface NameClash {
  name: string;
  /** The server whose tool keeps the name, and the one whose tool is hidden (slugs). */
  kept: string;
  hidden: string;
}

/** A gateway's assignments, the tools they expose under their exposed names, and any clashes. */
export async function loadGateway(
  db: Database,
  gateway: Gateway,
): Promise<{ assignments: LoadedAssignment[]; tools: ExposedTool[]; clashes: NameClash[] }> {
  const rows = await db
    .selectFrom("gateway_tool_assignments as a")
    .innerJoin("catalog_items as item", "item.id", "a.catalog_item_id")
    .select([
      "a.id",
      "a.tools as selection",
      "a.prefix",
      "a.credential_mode",
      "a.static_credential_id",
      "a.prompts",
      "a.resources",
      "item.id as item_id",
      "item.slug",
      "item.name",
      "item.kind",
      "item.tools",
    ])
    .where("a.gateway_id", "=", gateway.id)
    // As saved: the earlier assignment keeps a name that clashes later.
    .orderBy("a.position")
    .orderBy("a.id")
    .execute();
  const assignments: LoadedAssignment[] = rows.map((row) => ({
    id: row.id,
    prefix: row.prefix,
    mode: row.credential_mode,
    staticCredentialId: row.static_credential_id,
    prompts: row.prompts ?? null,
    resources: row.resources ?? null,
    item: { id: row.item_id, slug: row.slug, name: row.name, kind: row.kind },
  }));
  const byName = new Map<string, ExposedTool>();
  const clashes: NameClash[] = [];
  for (const [i, row] of rows.entries()) {
    const selection = row.selection as string[] | null;
    for (const t of row.tools as DiscoveredTool[]) {
      if (selection && !selection.includes(t.name)) continue;
      const name = exposedToolName(row.prefix, row.slug, t.name);
      const earlier = byName.get(name);
      if (earlier) {
        clashes.push({ name, kept: earlier.assignment.item.slug, hidden: row.slug });
        continue;
      }
      byName.set(name, { name, upstreamName: t.name, definition: t, assignment: assignments[i] as LoadedAssignment });
    }
  }
  return { assignments, tools: [...byName.values()], clashes };
}
