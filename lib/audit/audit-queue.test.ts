import { describe, expect, it } from "vitest";
import { embeddedClient } from "@/db";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { AuditQueue } from "./audit-queue";
import { csvRows } from "./copy-rows";

const IDS = {
  token: "6f1c2b2e-1111-4222-8333-444455556666",
  gateway: "6f1c2b2e-1111-4222-8333-444455556667",
  item: "6f1c2b2e-1111-4222-8333-444455556668",
};

describe("COPY rows", () => {
  it("quotes every value, doubles quotes, and leaves NULL as an unquoted empty field", () => {
    const rows = [{ a: 'say "hi", then\nleave', b: null, c: "", d: 7, e: new Date("2026-01-02T03:04:05.006Z") }];
    expect(csvRows(["a", "b", "c", "d", "e"], rows)).toBe(
      '"say ""hi"", then\nleave",,"","7","2026-01-02T03:04:05.006Z"\n',
    );
  });
});

describe.each(backends)("audit queue on $name", (backend) => {
  const t = useMigratedDatabase(backend);
  const rowsOf = (action: string) =>
    t.db.selectFrom("audit_events").selectAll().where("action", "=", action).orderBy("id").execute();

  it("writes every column as given, awkward text included, each event stamped when it happened", async () => {
    // The embedded database takes COPY; PostgreSQL a multi-row INSERT.
    expect(embeddedClient(t.db) !== undefined).toBe(backend.name === "pglite");
    const action = unique("tool.call");
    const queue = new AuditQueue(() => t.db, 60_000);
    const hostile = 'comma, "quote", back\\slash\nnew line \u0000 nul, ünïcödé ✓';
    const before = Date.now();
    queue.push({
      action,
      outcome: "error",
      actor_token_id: IDS.token,
      token_kind: "team",
      gateway_id: IDS.gateway,
      catalog_item_id: IDS.item,
      tool_name: "echo",
      duration_ms: 12,
      error: hostile,
      details: { note: 'a "b"', n: 1 },
    });
    queue.push({ action, outcome: "ok", error: "", tool_name: null });
    queue.push({ action, outcome: "denied", error: "x".repeat(5000) });
    await new Promise((r) => setTimeout(r, 60));
    const flushedAt = Date.now();
    await queue.flush();

    const rows = await rowsOf(action);
    expect(rows).toHaveLength(3);
    const [first, second, third] = rows;
    expect(first).toMatchObject({
      outcome: "error",
      actor_user_id: null,
      actor_token_id: IDS.token,
      token_kind: "team",
      team_id: null,
      gateway_id: IDS.gateway,
      catalog_item_id: IDS.item,
      credential_id: null,
      tool_name: "echo",
      duration_ms: 12,
      error: hostile.replace("\u0000", "\uFFFD"),
      details: { note: 'a "b"', n: 1 },
    });
    // The time of the call, not of the batch written later.
    expect(first?.at.getTime()).toBeGreaterThanOrEqual(before - 5);
    expect(first?.at.getTime()).toBeLessThan(flushedAt - 40);
    expect(second).toMatchObject({ outcome: "ok", error: "", tool_name: null, details: {} });
    expect(third?.error).toBe("x".repeat(2000));
  });

  it("a batch that fails is written row by row, so only the bad row is lost", async () => {
    const action = unique("tool.call");
    const queue = new AuditQueue(() => t.db, 60_000);
    queue.push({ action, outcome: "ok", tool_name: "before" });
    queue.push({ action, outcome: "sideways" as never, tool_name: "bad" });
    queue.push({ action, outcome: "ok", tool_name: "after" });
    await queue.flush();
    expect((await rowsOf(action)).map((r) => r.tool_name)).toEqual(["before", "after"]);
  });

  it("waits for another request's transaction instead of joining it: a rollback takes no audit rows", async () => {
    const action = unique("tool.call");
    const queue = new AuditQueue(() => t.db, 60_000);
    let flushed: Promise<void> | undefined;
    await expect(
      t.db.transaction().execute(async (trx) => {
        await trx
          .insertInto("audit_events")
          .values({ action: `${action}-undone`, outcome: "ok" })
          .execute();
        queue.push({ action, outcome: "ok" });
        flushed = queue.flush();
        await new Promise((r) => setTimeout(r, 50));
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    await flushed;
    expect(await rowsOf(action)).toHaveLength(1);
    expect(await rowsOf(`${action}-undone`)).toHaveLength(0);
  });

  it("a flush ends only when the batch already being written is stored", async () => {
    const action = unique("tool.call");
    const queue = new AuditQueue(() => t.db, 60_000);
    queue.push({ action, outcome: "ok" });
    void queue.flush(); // as the batch timer would
    await queue.flush(); // as shutdown does, with nothing new pending
    expect(await rowsOf(action)).toHaveLength(1);
  });

  it("writes at once when a batch is full, and on its timer otherwise", async () => {
    const action = unique("tool.call");
    const full = new AuditQueue(() => t.db, 60_000, 2);
    full.push({ action, outcome: "ok" });
    full.push({ action, outcome: "ok" });
    await expect.poll(async () => (await rowsOf(action)).length).toBe(2);

    const timed = new AuditQueue(() => t.db, 20);
    timed.push({ action, outcome: "ok" });
    await expect.poll(async () => (await rowsOf(action)).length).toBe(3);
  });
});
