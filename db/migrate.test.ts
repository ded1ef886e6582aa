import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { backends, useMigratedDatabase } from "@/test/support/database";
import { createDatabase } from ".";
import { migrateToLatest, pendingMigrations } from "./migrate";
import { migrations } from "./migrations";
import { INSTANCE_DIR_REFERENCE } from "@/lib/orchestrator/instance-dir";
import { insertCatalogItem } from "@/lib/registry/create-catalog-item";
import { testKeyring } from "@/test/support/fixtures";

describe.each(backends)("migrations on $name", (backend) => {
  const t = useMigratedDatabase(backend);

  it("applies every migration and then has nothing pending", async () => {
    expect(await pendingMigrations(t.db)).toEqual([]);
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = current_schema() order by 1`.execute(t.db);
    const names = tables.rows.map((r) => r.table_name);
    for (const table of [
      "users",
      "teams",
      "team_members",
      "team_invitations",
      "catalog_items",
      "credentials",
      "runtime_instances",
      "gateways",
      "gateway_tool_assignments",
      "access_tokens",
      "audit_events",
      "oauth_states",
    ]) {
      expect(names).toContain(table);
    }
  });

  it("moves Memory and Filesystem entries still as first seeded to each instance's own directory", async () => {
    // The entries as the seed wrote them before instances had a directory of their own.
    const oldSeed = [
      {
        kind: "local" as const,
        name: "Memory",
        slug: "server-memory",
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-memory"],
        env: [
          {
            name: "MEMORY_FILE_PATH",
            description: "Where the graph is kept (a file path inside the server's environment).",
            required: false,
            secret: false,
            prompt: true,
          },
        ],
      },
      {
        kind: "local" as const,
        name: "Filesystem",
        slug: "server-filesystem",
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
      },
      // Changed by an admin: left alone.
      { kind: "local" as const, name: "Files", slug: "files", command: "npx", args: ["-y", "x", "/tmp"] },
    ];
    for (const entry of oldSeed) await insertCatalogItem(t.db, testKeyring(), entry, null);
    await migrations["0005_seeded_instance_dirs"]?.up(t.db);
    const rows = await t.db.selectFrom("catalog_items").select(["slug", "args", "env_schema"]).execute();
    const bySlug = new Map(rows.map((r) => [r.slug, r]));
    expect(bySlug.get("server-memory")?.env_schema).toEqual([
      expect.objectContaining({
        name: "MEMORY_FILE_PATH",
        prompt: false,
        default: `${INSTANCE_DIR_REFERENCE}/memory.jsonl`,
      }),
    ]);
    expect(bySlug.get("server-filesystem")?.args).toEqual([
      "-y",
      "@modelcontextprotocol/server-filesystem",
      INSTANCE_DIR_REFERENCE,
    ]);
    expect(bySlug.get("files")?.args).toEqual(["-y", "x", "/tmp"]);
  });

  it("is idempotent: a second run applies nothing", async () => {
    expect(await migrateToLatest(t.db)).toEqual([]);
  });

  it("enforces the data model's rules in the database itself", async () => {
    // A team credential with a user owner breaks the owner check.
    const item = await t.db
      .insertInto("catalog_items")
      .values({
        slug: `x-${Date.now()}`,
        name: "x",
        kind: "local",
        command: "npx",
        transport: "stdio",
        args: "[]",
        env_schema: "[]",
        auth_config: "{}",
        tools: "[]",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const user = await t.db
      .insertInto("users")
      .values({ email: `m-${Date.now()}@example.com`, name: "m", role: "member", password_hash: null })
      .returning("id")
      .executeTakeFirstOrThrow();
    await expect(
      t.db
        .insertInto("credentials")
        .values({
          id: crypto.randomUUID(),
          catalog_item_id: item.id,
          scope: "team",
          owner_user_id: user.id,
          sealed_secret: "v1.x",
          status: "active",
        })
        .execute(),
    ).rejects.toThrow(/credentials_owner/);
    // A remote server needs a URL.
    await expect(
      t.db
        .insertInto("catalog_items")
        .values({
          slug: `r-${Date.now()}`,
          name: "r",
          kind: "remote",
          args: "[]",
          env_schema: "[]",
          auth_config: "{}",
          tools: "[]",
        })
        .execute(),
    ).rejects.toThrow(/catalog_items_kind_fields/);
    // Emails are unique regardless of case.
    const email = `Case-${Date.now()}@Example.com`;
    await t.db.insertInto("users").values({ email, name: "a", role: "member", password_hash: null }).execute();
    await expect(
      t.db
        .insertInto("users")
        .values({ email: email.toLowerCase(), name: "b", role: "member", password_hash: null })
        .execute(),
    ).rejects.toThrow(/users_email_key/);
  });
});

describe("embedded PGlite", () => {
  it("keeps data across a restart of the database", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pglite-"));
    try {
      const first = createDatabase({ pgliteDir: dir });
      await migrateToLatest(first.db);
      await first.db.insertInto("teams").values({ name: "Survivors", slug: "survivors" }).execute();
      await first.close();

      const second = createDatabase({ pgliteDir: dir });
      expect(await pendingMigrations(second.db)).toEqual([]);
      const team = await second.db
        .selectFrom("teams")
        .select("name")
        .where("slug", "=", "survivors")
        .executeTakeFirst();
      expect(team?.name).toBe("Survivors");
      await second.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)("concurrent start on PostgreSQL", () => {
  it("is not fooled by another schema's migration tables in the same database", async () => {
    const { schemaUrl } = await import("@/test/support/database");
    const url = process.env.TEST_DATABASE_URL as string;
    const decoy = `decoy_${Date.now()}`;
    const fresh = `fresh_${Date.now()}`;
    const admin = createDatabase({ url, poolSize: 1 });
    await sql`create schema ${sql.id(decoy)}`.execute(admin.db);
    await sql`create table ${sql.id(decoy)}.kysely_migration_lock (id text primary key, is_locked integer)`.execute(
      admin.db,
    );
    await sql`create table ${sql.id(decoy)}.kysely_migration (name text primary key, timestamp text)`.execute(admin.db);
    await sql`create schema ${sql.id(fresh)}`.execute(admin.db);
    const db = createDatabase({ url: schemaUrl(url, fresh), poolSize: 2 });
    try {
      expect(await migrateToLatest(db.db)).toEqual(Object.keys(migrations));
    } finally {
      await db.close();
      await sql`drop schema ${sql.id(decoy)} cascade`.execute(admin.db);
      await sql`drop schema ${sql.id(fresh)} cascade`.execute(admin.db);
      await admin.close();
    }
  });

  it("two processes migrating at once both succeed and apply each migration once", async () => {
    const { schemaUrl } = await import("@/test/support/database");
    const url = process.env.TEST_DATABASE_URL as string;
    const schema = `race_${Date.now()}`;
    const admin = createDatabase({ url, poolSize: 1 });
    await sql`create schema ${sql.id(schema)}`.execute(admin.db);
    const a = createDatabase({ url: schemaUrl(url, schema), poolSize: 2 });
    const b = createDatabase({ url: schemaUrl(url, schema), poolSize: 2 });
    try {
      const [ra, rb] = await Promise.all([migrateToLatest(a.db), migrateToLatest(b.db)]);
      expect([...ra, ...rb].sort()).toEqual(Object.keys(migrations).sort());
      expect(await pendingMigrations(a.db)).toEqual([]);
    } finally {
      await a.close();
      await b.close();
      await sql`drop schema ${sql.id(schema)} cascade`.execute(admin.db);
      await admin.close();
    }
  });
});
