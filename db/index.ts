import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect } from "kysely";
import { PGliteDialect } from "kysely-pglite-dialect";
import pg from "pg";
import { createPrivateFiles, PRIVATE_DIR_MODE, restrictTree, securePrivateDir } from "@/lib/data-dir";
import { getEnv } from "@/lib/env";
import { getLogger } from "@/lib/log";
import type { DB } from "./schema";

export type { DB } from "./schema";
export type Database = Kysely<DB>;

export interface DatabaseHandle {
  db: Database;
  kind: "pglite" | "postgres";
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL URL; without it the embedded PGlite database is used. */
  url?: string;
  /** Where PGlite keeps its files; omit for an in-memory database (tests). */
  pgliteDir?: string;
  poolSize?: number;
}

/** Opens PostgreSQL through a pg pool, or the embedded PGlite database. */
export function createDatabase(options: DatabaseOptions): DatabaseHandle {
  if (options.url) {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
    // A connection that drops must not crash the process. The pool handles idle clients; a
    // client that is checked out when its socket ends emits "error" on itself (the query in
    // flight still fails with it), so every client gets a listener too.
    const lost = (err: Error) => getLogger().warn({ err: err.message }, "database connection lost");
    pool.on("error", lost);
    pool.on("connect", (client) => client.on("error", lost));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: "postgres", close: () => db.destroy() };
  }
  if (options.pgliteDir) fs.mkdirSync(options.pgliteDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const client = new PGlite(options.pgliteDir);
  const db = new Kysely<DB>({ dialect: new PGliteDialect(client) });
  embeddedClients().set(db, client);
  return { db, kind: "pglite", close: () => db.destroy() };
}

const EMBEDDED = Symbol.for("mcp-orchestrator.pglite-clients");
type EmbeddedGlobal = typeof globalThis & { [EMBEDDED]?: WeakMap<Database, PGlite> };

function embeddedClients(): WeakMap<Database, PGlite> {
  const g = globalThis as EmbeddedGlobal;
  g[EMBEDDED] ??= new WeakMap();
  return g[EMBEDDED];
}

/** The PGlite client under an embedded database, for what Kysely does not build (COPY). */
export function embeddedClient(db: Database): PGlite | undefined {
  return embeddedClients().get(db);
}

const KEY = Symbol.for("mcp-orchestrator.db");
type DbGlobal = typeof globalThis & { [KEY]?: DatabaseHandle };

/** The process's database. Kept on globalThis: Next.js compiles each server entry separately. */
export function getDatabase(): DatabaseHandle {
  const g = globalThis as DbGlobal;
  if (!g[KEY]) {
    const env = getEnv();
    const pgliteDir = path.join(env.dataDir, "pglite");
    if (!env.DATABASE_URL) {
      // The database's files are the credentials' ciphertext, the audit log and the users:
      // 0600 in 0700 directories, including those an earlier version created 0644/0755.
      createPrivateFiles();
      securePrivateDir(env.dataDir);
      restrictTree(pgliteDir);
    }
    g[KEY] = createDatabase({ url: env.DATABASE_URL, pgliteDir });
  }
  return g[KEY];
}

export function getDb(): Database {
  return getDatabase().db;
}
