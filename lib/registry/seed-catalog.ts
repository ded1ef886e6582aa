import { sql } from "kysely";
import type { Database } from "@/db";
import { recordEvent } from "@/lib/audit/record-event";
import type { Keyring } from "@/lib/crypto";
import { INSTANCE_DIR_REFERENCE } from "@/lib/orchestrator/instance-dir";
import { insertCatalogItem } from "./create-catalog-item";
import type { CatalogItemInput } from "./schemas";

/** Real servers a new registry starts with, so a newcomer has something to connect. */
export const SEED_ENTRIES: CatalogItemInput[] = [
  {
    kind: "local",
    name: "Everything (MCP reference)",
    slug: "server-everything",
    description:
      "The MCP reference test server: tools, prompts, resources, sampling and progress. Good for trying things.",
    command: "npx",
    args: ["-y", "@modelcontextprotocol/server-everything", "stdio"],
  },
  {
    kind: "local",
    name: "Memory",
    slug: "server-memory",
    description: "A knowledge graph that remembers entities and their relations between conversations.",
    command: "npx",
    args: ["-y", "@modelcontextprotocol/server-memory"],
    env: [
      {
        // In the instance's own directory, so each credential has its own graph (left alone, the
        // server keeps it next to its code in the npx cache, which every instance shares). Not
        // asked: a path a person typed could point into someone else's instance.
        name: "MEMORY_FILE_PATH",
        description: "Where the graph is kept: a file in the instance's own directory.",
        required: false,
        secret: false,
        prompt: false,
        default: `${INSTANCE_DIR_REFERENCE}/memory.jsonl`,
      },
    ],
  },
  {
    kind: "local",
    name: "Filesystem",
    slug: "server-filesystem",
    description:
      "Reads and writes files in a folder of its own: each person's or team's instance has its own (its argument; an admin can change it).",
    command: "npx",
    args: ["-y", "@modelcontextprotocol/server-filesystem", INSTANCE_DIR_REFERENCE],
  },
  {
    kind: "local",
    name: "Fetch",
    slug: "fetch",
    description: "Fetches web pages and turns them into Markdown (Python, run with uvx).",
    command: "uvx",
    args: ["mcp-server-fetch"],
  },
  {
    kind: "remote",
    name: "Linear",
    slug: "linear",
    description: "Linear's hosted MCP server. Each person signs in with their own Linear account (OAuth).",
    url: "https://mcp.linear.app/mcp",
    authKind: "oauth",
  },
];

/**
 * Seeds the registry once, on the first start of a new deployment (replicas starting together
 * take turns; entries whose slug is taken are skipped). Entries an admin deletes later stay gone.
 */
export async function seedCatalog(db: Database, keyring: Keyring): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('mcp-orchestrator:catalog-seed'))`.execute(trx);
    const seeded = await trx
      .selectFrom("audit_events")
      .select("id")
      .where("action", "=", "catalog.seed")
      .limit(1)
      .executeTakeFirst();
    if (seeded) return 0;
    const taken = new Set((await trx.selectFrom("catalog_items").select("slug").execute()).map((r) => r.slug));
    const fresh = SEED_ENTRIES.filter((e) => !taken.has(e.slug ?? ""));
    for (const entry of fresh) await insertCatalogItem(trx, keyring, entry, null);
    await recordEvent(trx, { action: "catalog.seed", outcome: "ok", details: { count: fresh.length } });
    return fresh.length;
  });
}
