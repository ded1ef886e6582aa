import type { Client } from "@modelcontextprotocol/client";
import type { Database } from "@/db";
import type { DiscoveredTool } from "@/db/schema";
import { getLogger } from "@/lib/log";
import { listAllPages } from "@/lib/mcp/list-all-pages";
import { getReplicaBus } from "@/lib/replica-bus";
import { z } from "zod";

/**
 * One page of a server's tools with every field each tool carries (`_meta`, `icons`, `execution`,
 * and fields of later revisions or extensions): the SDK's own schema keeps only the ones it knows.
 */
const ToolsPage = z.looseObject({
  tools: z.array(z.looseObject({ name: z.string(), inputSchema: z.looseObject({}) })),
  nextCursor: z.string().optional(),
});

export function listToolsPage(client: Client, params?: { cursor?: string }) {
  return client.request({ method: "tools/list", params: params ?? {} }, ToolsPage);
}

/** Every tool a server offers, across pages (no more than listAllPages allows), each as the server described it. */
export async function listAllTools(client: Client, what = "The server's tool list"): Promise<DiscoveredTool[]> {
  return listAllPages(
    async (cursor) => {
      const page = await listToolsPage(client, cursor ? { cursor } : undefined);
      return { items: page.tools as DiscoveredTool[], nextCursor: page.nextCursor };
    },
    { what },
  );
}

/** Stores a server's tools; gateways that offer the server hear that their tools changed. */
export async function storeDiscoveredTools(db: Database, itemId: string, tools: DiscoveredTool[]): Promise<void> {
  await db
    .updateTable("catalog_items")
    .set({ tools: JSON.stringify(tools), tools_discovered_at: new Date(), updated_at: new Date() })
    .where("id", "=", itemId)
    .execute();
  await getReplicaBus()
    .publish({ kind: "catalog-changed", itemId })
    .catch(() => {});
}

/**
 * Stores the tools of local servers not discovered yet, from any running instance of theirs,
 * so gateways can offer them.
 */
export async function discoverMissingTools(
  db: Database,
  client: (instanceId: string) => Promise<Client>,
): Promise<number> {
  const rows = await db
    .selectFrom("runtime_instances as i")
    .innerJoin("catalog_items as item", "item.id", "i.catalog_item_id")
    .select(["i.id as instance_id", "item.id as item_id"])
    .where("item.tools_discovered_at", "is", null)
    .where("i.status", "=", "running")
    .execute();
  const seen = new Set<string>();
  let discovered = 0;
  for (const row of rows) {
    if (seen.has(row.item_id)) continue;
    seen.add(row.item_id);
    // A server whose list cannot be read (one that never ends, say) does not hold up the others.
    try {
      await storeDiscoveredTools(db, row.item_id, await listAllTools(await client(row.instance_id)));
      discovered += 1;
    } catch (err) {
      getLogger().warn({ itemId: row.item_id, err: (err as Error).message }, "could not discover a server's tools");
    }
  }
  return discovered;
}
