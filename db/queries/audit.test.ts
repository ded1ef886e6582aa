import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { type AuditCursor, formatAuditCursor, listAuditEvents, parseAuditCursor } from "./audit";

describe("audit page cursors", () => {
  it("reads back what it writes, to the microsecond", () => {
    const cursor = { at: "2026-03-04T05:06:07.123456Z", id: "42" };
    expect(parseAuditCursor(formatAuditCursor(cursor))).toEqual(cursor);
  });

  it.each([
    undefined,
    "",
    "garbage",
    "2026-03-04T05:06:07.123456Z",
    "2026-03-04T05:06:07.123456Z_",
    "2026-03-04T05:06:07.123Z_42",
    "2026-13-04T05:06:07.123456Z_42",
    "2026-02-30T05:06:07.123456Z_42",
    "2026-03-04T25:06:07.123456Z_42",
    "2026-03-04T05:06:07.123456Z_0",
    "2026-03-04T05:06:07.123456Z_-1",
    "2026-03-04T05:06:07.123456Z_1234567890123456789",
    "2026-03-04T05:06:07.123456Z_42'; drop table audit_events; --",
    "2026-03-04T05:06:07.123456Z_42\n",
  ])("refuses %j (the page then shows the newest events)", (text) => {
    expect(parseAuditCursor(text)).toBeNull();
  });
});

describe.each(backends)("audit pages on $name", (backend) => {
  const t = useMigratedDatabase(backend);

  /** Events of one action; several share a time to the millisecond, two to the microsecond. */
  async function seed(action: string, count: number): Promise<string[]> {
    const base = Date.parse("2026-05-01T12:00:00.000Z");
    for (let i = 0; i < count; i++) {
      // Groups of three share a millisecond; within the first group, two share a microsecond.
      const at =
        i < 2
          ? sql<Date>`'2026-05-01T11:59:59.999999Z'::timestamptz`
          : sql<Date>`${new Date(base + Math.floor(i / 3) * 1000).toISOString()}::timestamptz`;
      await t.db
        .insertInto("audit_events")
        .values({ action, outcome: i % 4 === 0 ? "denied" : "ok", at })
        .execute();
    }
    const rows = await t.db
      .selectFrom("audit_events")
      .select("id")
      .where("action", "=", action)
      .orderBy("at", "desc")
      .orderBy("id", "desc")
      .execute();
    return rows.map((r) => String(r.id));
  }

  async function walk(action: string, limit: number, extra: { outcome?: "denied" } = {}) {
    const pages: string[][] = [];
    let before: AuditCursor | undefined;
    for (let i = 0; i < 100; i++) {
      const page = await listAuditEvents(t.db, { action, limit, before, ...extra });
      pages.push(page.events.map((e) => e.id));
      if (i === 0) expect(page.newer).toBeNull();
      else expect(page.newer).not.toBeNull();
      if (!page.older) break;
      before = page.older;
    }
    return pages;
  }

  it("returns every event exactly once across pages, newest first, ties in a stable order", async () => {
    const action = unique("paging");
    const expected = await seed(action, 23);
    const pages = await walk(action, 5);
    expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
    expect(pages.flat()).toEqual(expected);
    // The same walk again gives the same pages.
    expect(await walk(action, 5)).toEqual(pages);
  });

  it("going back a page shows the page that was there before, and the newest page has no newer link", async () => {
    const action = unique("paging");
    await seed(action, 12);
    const first = await listAuditEvents(t.db, { action, limit: 5 });
    const second = await listAuditEvents(t.db, { action, limit: 5, before: first.older ?? undefined });
    const third = await listAuditEvents(t.db, { action, limit: 5, before: second.older ?? undefined });
    expect(third.events).toHaveLength(2);
    expect(third.older).toBeNull();
    const back = await listAuditEvents(t.db, { action, limit: 5, after: third.newer ?? undefined });
    expect(back.events.map((e) => e.id)).toEqual(second.events.map((e) => e.id));
    expect(back.older).toEqual(second.older);
    const backAgain = await listAuditEvents(t.db, { action, limit: 5, after: back.newer ?? undefined });
    expect(backAgain.events.map((e) => e.id)).toEqual(first.events.map((e) => e.id));
    expect(backAgain.newer).toBeNull();
  });

  it("events written while someone pages neither shift nor repeat the older pages", async () => {
    const action = unique("paging");
    const expected = await seed(action, 9);
    const first = await listAuditEvents(t.db, { action, limit: 4 });
    await t.db.insertInto("audit_events").values({ action, outcome: "ok" }).execute();
    const second = await listAuditEvents(t.db, { action, limit: 4, before: first.older ?? undefined });
    const third = await listAuditEvents(t.db, { action, limit: 4, before: second.older ?? undefined });
    expect([...first.events, ...second.events, ...third.events].map((e) => e.id)).toEqual(expected);
  });

  it("pages a filter the same way", async () => {
    const action = unique("paging");
    const all = await seed(action, 20);
    const denied = (
      await t.db
        .selectFrom("audit_events")
        .select("id")
        .where("action", "=", action)
        .where("outcome", "=", "denied")
        .execute()
    ).map((r) => String(r.id));
    const pages = await walk(action, 2, { outcome: "denied" });
    expect(pages.flat()).toEqual(all.filter((id) => denied.includes(id)));
  });

  it("keeps a page size it is given within 1 to 200", async () => {
    const action = unique("paging");
    await seed(action, 3);
    for (const limit of [0, -5, Number.NaN, 1.7]) {
      expect((await listAuditEvents(t.db, { action, limit })).events.length).toBeGreaterThanOrEqual(1);
    }
    expect((await listAuditEvents(t.db, { action, limit: 1 })).events).toHaveLength(1);
    expect((await listAuditEvents(t.db, { action, limit: 100_000 })).events).toHaveLength(3);
  });

  it("a cursor past either end gives an empty page with no links, not an error", async () => {
    const action = unique("paging");
    await seed(action, 3);
    const early = { at: "1999-01-01T00:00:00.000000Z", id: "1" };
    const late = { at: "2999-01-01T00:00:00.000000Z", id: "1" };
    expect(await listAuditEvents(t.db, { action, before: early })).toEqual({ events: [], older: null, newer: null });
    expect(await listAuditEvents(t.db, { action, after: late })).toEqual({ events: [], older: null, newer: null });
  });
});
