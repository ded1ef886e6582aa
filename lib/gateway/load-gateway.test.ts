import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { makeLocalItem, makeUser } from "@/test/support/fixtures";
import { createGateway } from "./create-gateway";
import { markSessionEnded, sessionEnded } from "./ended-sessions";
import { userViewer } from "./gateway-access";
import { loadGateway } from "./load-gateway";
import { saveAssignments } from "./save-assignments";
import { SESSION_MAX_AGE_MS } from "./session";

const tool = (name: string) => ({ name, inputSchema: { type: "object" } });

describe.each(backends)("gateway tools and sessions on $name", (backend) => {
  const t = useMigratedDatabase(backend);

  it("a server whose tools are discovered after the save cannot put two tools under one name", async () => {
    const viewer = await userViewer(t.db, await makeUser(t.db, "admin"));
    const first = await makeLocalItem(t.db, { slug: unique("first"), command: "x", args: [] });
    const later = await makeLocalItem(t.db, { slug: unique("later"), command: "x", args: [] });
    await t.db
      .updateTable("catalog_items")
      .set({ tools: JSON.stringify([tool("read"), tool("write")]) })
      .where("id", "=", first.id)
      .execute();
    const gateway = await createGateway(t.db, viewer, { name: unique("g") });
    // The second server's tools are not known yet, so nothing clashes when saved.
    await saveAssignments(t.db, viewer, gateway.slug, {
      assignments: [
        { server: first.slug, prefix: "" },
        { server: later.slug, prefix: "" },
      ],
    });
    await t.db
      .updateTable("catalog_items")
      .set({ tools: JSON.stringify([tool("write"), tool("search")]) })
      .where("id", "=", later.id)
      .execute();

    const { tools, clashes } = await loadGateway(t.db, gateway);
    expect(tools.map((x) => `${x.name}:${x.assignment.item.slug}`).sort()).toEqual(
      [`read:${first.slug}`, `search:${later.slug}`, `write:${first.slug}`].sort(),
    );
    expect(clashes).toEqual([{ name: "write", kept: first.slug, hidden: later.slug }]);
    // Saving the same assignments again is refused now that the clash is known.
    const again = saveAssignments(t.db, viewer, gateway.slug, {
      assignments: [
        { server: first.slug, prefix: "" },
        { server: later.slug, prefix: "" },
      ],
    });
    await expect(again).rejects.toThrow(AppError);
    await expect(again).rejects.toThrow(/write/);
  });

  it("the assignment listed first keeps a clashing name, whatever the servers are called", async () => {
    const viewer = await userViewer(t.db, await makeUser(t.db, "admin"));
    const listedFirst = await makeLocalItem(t.db, { slug: unique("zz"), command: "x", args: [] });
    const listedSecond = await makeLocalItem(t.db, { slug: unique("aa"), command: "x", args: [] });
    const setTools = (id: string, names: string[]) =>
      t.db
        .updateTable("catalog_items")
        .set({ tools: JSON.stringify(names.map(tool)) })
        .where("id", "=", id)
        .execute();
    await setTools(listedFirst.id, ["search"]);
    await setTools(listedSecond.id, ["fetch"]);
    const gateway = await createGateway(t.db, viewer, { name: unique("g") });
    await saveAssignments(t.db, viewer, gateway.slug, {
      assignments: [
        { server: listedFirst.slug, prefix: "" },
        { server: listedSecond.slug, prefix: "" },
      ],
    });
    // A new version of the second server offers "search" too: calls keep going where they went.
    await setTools(listedSecond.id, ["fetch", "search"]);
    const { tools, clashes } = await loadGateway(t.db, gateway);
    expect(tools.find((x) => x.name === "search")?.assignment.item.slug).toBe(listedFirst.slug);
    expect(clashes).toEqual([{ name: "search", kept: listedFirst.slug, hidden: listedSecond.slug }]);
  });

  it("a tool chosen twice is one tool", async () => {
    const viewer = await userViewer(t.db, await makeUser(t.db, "admin"));
    const item = await makeLocalItem(t.db, { slug: unique("twice"), command: "x", args: [] });
    await t.db
      .updateTable("catalog_items")
      .set({ tools: JSON.stringify([tool("echo")]) })
      .where("id", "=", item.id)
      .execute();
    const gateway = await createGateway(t.db, viewer, { name: unique("g") });
    await saveAssignments(t.db, viewer, gateway.slug, {
      assignments: [{ server: item.slug, tools: ["echo", "echo"] }],
    });
    const { tools, clashes } = await loadGateway(t.db, gateway);
    expect(tools.map((x) => x.name)).toEqual([`${item.slug}__echo`]);
    expect(clashes).toEqual([]);
  });

  it("an assignment keeps its choice of prompts and resources; rows saved before the choice existed expose all", async () => {
    const viewer = await userViewer(t.db, await makeUser(t.db, "admin"));
    const item = await makeLocalItem(t.db, { slug: unique("pr"), command: "x", args: [] });
    await t.db
      .updateTable("catalog_items")
      .set({ tools: JSON.stringify([tool("echo"), tool("add")]) })
      .where("id", "=", item.id)
      .execute();
    const gateway = await createGateway(t.db, viewer, { name: unique("g") });
    await saveAssignments(t.db, viewer, gateway.slug, { assignments: [{ server: item.slug, tools: ["echo"] }] });
    let [a] = (await loadGateway(t.db, gateway)).assignments;
    expect([a?.prompts, a?.resources]).toEqual([[], []]);
    await saveAssignments(t.db, viewer, gateway.slug, {
      assignments: [{ server: item.slug, tools: ["echo"], prompts: ["p"], resources: "all" }],
    });
    [a] = (await loadGateway(t.db, gateway)).assignments;
    expect([a?.prompts, a?.resources]).toEqual([["p"], null]);
    // As migration 0008 leaves a row written before it: no value.
    await t.db
      .insertInto("gateway_tool_assignments")
      .values({
        gateway_id: gateway.id,
        catalog_item_id: item.id,
        tools: JSON.stringify(["add"]),
        prefix: "old",
        credential_mode: "call_time",
      })
      .execute();
    const old = (await loadGateway(t.db, gateway)).assignments.find((x) => x.prefix === "old");
    expect([old?.prompts, old?.resources]).toEqual([null, null]);
  });

  it("an ended session stays ended, also for a replica that learns it from the database", async () => {
    const id = unique("session");
    // An end older than any session can be is forgotten when the next one is recorded.
    await t.db
      .insertInto("ended_sessions")
      .values({ session_hash: "0".repeat(64), ended_at: new Date(Date.now() - SESSION_MAX_AGE_MS - 60_000) })
      .execute();
    expect(await sessionEnded(t.db, id)).toBe(false);
    await markSessionEnded(t.db, id);
    const kept = await t.db.selectFrom("ended_sessions").select("session_hash").execute();
    expect(kept.map((r) => r.session_hash)).not.toContain("0".repeat(64));
    expect(await sessionEnded(t.db, id)).toBe(true);
    // Another replica (or this one after its memory of the session expired) reads it back.
    const memory = (globalThis as unknown as Record<symbol, { clear(): void }>)[
      Symbol.for("mcp-orchestrator.cache.gateway.session-ended")
    ];
    memory?.clear();
    expect(memory).toBeDefined();
    expect(await sessionEnded(t.db, id)).toBe(true);
    // Ending twice is fine; what is stored is a hash, never the id.
    await markSessionEnded(t.db, id);
    const rows = await t.db.selectFrom("ended_sessions").selectAll().execute();
    expect(rows.some((r) => r.session_hash.includes(id))).toBe(false);
    expect(rows.filter((r) => /^[0-9a-f]{64}$/.test(r.session_hash)).length).toBeGreaterThan(0);
  });
});
