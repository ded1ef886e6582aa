import { type Kysely, sql } from "kysely";

// As the catalog seed writes them now (lib/registry/seed-catalog.ts); spelled out here because a
// migration describes the data as it was when it was written.
const INSTANCE_DIR = `\${MCP_INSTANCE_DIR}`;
const MEMORY_VARIABLE = {
  description: "Where the graph is kept: a file in the instance's own directory.",
  prompt: false,
  default: `${INSTANCE_DIR}/memory.jsonl`,
};
const FILESYSTEM_ARGS = ["-y", "@modelcontextprotocol/server-filesystem", INSTANCE_DIR];
const FILESYSTEM_DESCRIPTION =
  "Reads and writes files in a folder of its own: each person's or team's instance has its own (its argument; an admin can change it).";

/**
 * Registries seeded before each instance had a directory of its own keep Memory and Filesystem
 * entries whose instances share state: every Memory instance one graph in the npx cache, every
 * Filesystem instance the host's /tmp. Entries still as seeded are moved to the instance's own
 * directory; an entry an admin changed is left as it is.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    update catalog_items
    set env_schema = jsonb_build_array((env_schema -> 0) || ${JSON.stringify(MEMORY_VARIABLE)}::jsonb),
        updated_at = now()
    where slug = 'server-memory'
      and command = 'npx'
      and args = '["-y", "@modelcontextprotocol/server-memory"]'::jsonb
      and jsonb_array_length(env_schema) = 1
      and env_schema -> 0 ->> 'name' = 'MEMORY_FILE_PATH'
      and env_schema -> 0 ->> 'default' is null`.execute(db);
  await sql`
    update catalog_items
    set args = ${JSON.stringify(FILESYSTEM_ARGS)}::jsonb, description = ${FILESYSTEM_DESCRIPTION}, updated_at = now()
    where slug = 'server-filesystem'
      and command = 'npx'
      and args = '["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]'::jsonb`.execute(db);
}

/** Nothing to undo: the entries keep working either way. */
export async function down(): Promise<void> {}
