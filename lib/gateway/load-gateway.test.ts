import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { makeLocalItem, makeUser } from "@/test/support/fixtures";
import { createGateway } from "./create-gateway";
import { markSessionEnded, sessionEnded } from "./ended-sessions";
import { userViewer } from "./gateway-access";
import { loadGateway } from "./load-gateway";
import { saveAssignments } from "./save-assignments";

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

  it("an ended session stays ended, also for a replica that learns it from the database", async () => {
    const id = unique("session");
    expect(await sessionEnded(t.db, id)).toBe(false);
    await markSessionEnded(t.db, id);
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
