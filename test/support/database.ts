import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll } from "vitest";
import { createDatabase, type Database, type DatabaseHandle } from "@/db";
import { migrateToLatest } from "@/db/migrate";

/**
 * The backends every data-layer suite runs on: PGlite always, PostgreSQL too when
 * TEST_DATABASE_URL is set (CI sets it). Each suite gets its own schema on PostgreSQL.
 */
export interface Backend {
  name: "pglite" | "postgres";
  open(): Promise<{ handle: DatabaseHandle; cleanup(): Promise<void> }>;
}

const testUrl = process.env.TEST_DATABASE_URL;

export function schemaUrl(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set("options", `-c search_path=${schema}`);
  return u.toString();
}

export const backends: Backend[] = [
  {
    name: "pglite",
    async open() {
      const handle = createDatabase({});
      return { handle, cleanup: () => handle.close() };
    },
  },
  ...(testUrl
    ? [
        {
          name: "postgres" as const,
          async open() {
            const schema = `test_${randomBytes(6).toString("hex")}`;
            const admin = createDatabase({ url: testUrl, poolSize: 1 });
            await sql`create schema ${sql.id(schema)}`.execute(admin.db);
            const handle = createDatabase({ url: schemaUrl(testUrl, schema), poolSize: 5 });
            return {
              handle,
              async cleanup() {
                await handle.close();
                await sql`drop schema ${sql.id(schema)} cascade`.execute(admin.db);
                await admin.close();
              },
            };
          },
        },
      ]
    : []),
];

if (!testUrl) console.warn("TEST_DATABASE_URL not set: data-layer tests run on PGlite only.");

/** A migrated database for the enclosing describe block. */
export function useMigratedDatabase(backend: Backend): { readonly db: Database; readonly handle: DatabaseHandle } {
  let opened: Awaited<ReturnType<Backend["open"]>> | undefined;
  beforeAll(async () => {
    opened = await backend.open();
    await migrateToLatest(opened.handle.db);
  });
  afterAll(async () => opened?.cleanup());
  return {
    get db() {
      if (!opened) throw new Error("database not open yet");
      return opened.handle.db;
    },
    get handle() {
      if (!opened) throw new Error("database not open yet");
      return opened.handle;
    },
  };
}

export const unique = (label: string) => `${label}-${randomBytes(4).toString("hex")}`;
