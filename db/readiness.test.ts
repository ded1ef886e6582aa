import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { schemaUrl } from "@/test/support/database";
import { TcpProxy } from "@/test/support/tcp-proxy";
import { createDatabase } from ".";
import { migrateToLatest } from "./migrate";
import { checkReadiness } from "./readiness";

describe("readiness", () => {
  it("reports pending migrations on a fresh database, then ready", async () => {
    const { db, close } = createDatabase({});
    const before = await checkReadiness(db);
    expect(before).toMatchObject({ ready: false, reason: expect.stringMatching(/^migrations pending: 0001_initial/) });
    await migrateToLatest(db);
    expect(await checkReadiness(db)).toEqual({ ready: true });
    await close();
  });

  const url = process.env.TEST_DATABASE_URL;
  it.skipIf(!url)(
    "says the database is unreachable while it is away, and recovers by itself when it returns",
    async () => {
      const target = new URL(url as string);
      const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
      await proxy.start();
      const schema = `ready_${Date.now()}`;
      const admin = createDatabase({ url: url as string, poolSize: 1 });
      await sql`create schema ${sql.id(schema)}`.execute(admin.db);
      const proxied = new URL(schemaUrl(url as string, schema));
      proxied.hostname = "127.0.0.1";
      proxied.port = String(proxy.port);
      const { db, close } = createDatabase({ url: proxied.toString(), poolSize: 2 });
      try {
        await migrateToLatest(db);
        expect(await checkReadiness(db)).toEqual({ ready: true });

        await proxy.cut();
        const away = await checkReadiness(db);
        expect(away.ready).toBe(false);
        expect(away).toMatchObject({ reason: expect.stringMatching(/^database unreachable/) });

        await proxy.start(); // same port
        let back = await checkReadiness(db);
        for (let i = 0; i < 20 && !back.ready; i++) {
          await new Promise((r) => setTimeout(r, 100));
          back = await checkReadiness(db);
        }
        expect(back).toEqual({ ready: true });
      } finally {
        await close();
        await proxy.cut().catch(() => {});
        await sql`drop schema ${sql.id(schema)} cascade`.execute(admin.db);
        await admin.close();
      }
    },
  );
});
