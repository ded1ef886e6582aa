import { type Kysely, type MigrationResultSet, Migrator, sql } from "kysely";
import { migrations } from "./migrations";

// biome-ignore lint/suspicious/noExplicitAny: the migrator works on any schema
type AnyDb = Kysely<any>;

/**
 * The migrator, keeping its bookkeeping tables in the connection's own schema. Without this,
 * Kysely looks for them in any schema of the database and, finding another application's (or
 * another test run's), assumes they exist where they do not.
 */
async function migrator(db: AnyDb): Promise<Migrator> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: rows[0]?.schema,
  });
}

/**
 * Applies every pending migration. Safe when several app processes start at once:
 * the migrator holds a PostgreSQL advisory lock while it works.
 */
export async function migrateToLatest(db: AnyDb): Promise<string[]> {
  const result: MigrationResultSet = await (await migrator(db)).migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === "Error");
    const cause = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`migration ${failed?.migrationName ?? "(unknown)"} failed: ${cause}`);
  }
  return (result.results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** Names of migrations not yet applied. Throws when the database cannot be reached. */
export async function pendingMigrations(db: AnyDb): Promise<string[]> {
  await sql`select 1`.execute(db);
  const all = await (await migrator(db)).getMigrations();
  return all.filter((m) => !m.executedAt).map((m) => m.name);
}
