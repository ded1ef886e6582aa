import { describe, expect, it } from "vitest";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { makeCredential, makeLocalItem, makeUser, testKeyring } from "@/test/support/fixtures";
import { createGateway } from "./create-gateway";
import { userViewer } from "./gateway-access";
import { findResourceClashes } from "./resource-clashes";
import { type ListServerResources, saveAssignments } from "./save-assignments";

describe("resource URIs two assignments would share", () => {
  it("are the same URI or identical template, chosen or listed, exposed by two assignments", () => {
    const clashes = findResourceClashes([
      { serverSlug: "a", resources: ["demo://one", "demo://t/{id}"] },
      { serverSlug: "b", resources: ["demo://one", "demo://t/{x}"] },
      {
        serverSlug: "c",
        resources: null,
        listed: { uris: ["ui://app.html", "demo://one"], templates: ["demo://t/{id}"] },
      },
      // Chosen: only what it chose of its listing counts.
      { serverSlug: "d", resources: ["ui://mine.html"], listed: { uris: ["ui://app.html"], templates: [] } },
      // Exposing none, or not known in time: nothing counts.
      { serverSlug: "e", resources: [], listed: { uris: ["ui://app.html"], templates: [] } },
      { serverSlug: "f", resources: null, listed: null },
    ]);
    expect(Object.fromEntries(clashes)).toEqual({
      "demo://one": ["a", "b", "c"],
      "demo://t/{id}": ["a", "c"],
    });
  });

  it("a template that only matches another's URI is not a clash: reads go to the server that listed the URI", () => {
    expect(
      findResourceClashes([
        { serverSlug: "a", resources: ["file:///{+path}"] },
        { serverSlug: "b", resources: ["file:///README.md"] },
      ]).size,
    ).toBe(0);
  });
});

describe.each(backends)("saving a gateway whose servers share a resource URI on $name", (backend) => {
  const t = useMigratedDatabase(backend);

  it("is refused like a tool-name clash, from chosen URIs or from what static credentials' servers list", async () => {
    const admin = await makeUser(t.db, "admin");
    const viewer = await userViewer(t.db, admin);
    const first = await makeLocalItem(t.db, { slug: unique("apps"), command: "x", args: [] });
    const second = await makeLocalItem(t.db, { slug: unique("more-apps"), command: "x", args: [] });
    const keyring = testKeyring();
    const cred = (itemId: string) => makeCredential(t.db, keyring, { itemId, ownerUserId: admin.id, secret: {} });
    const [c1, c2] = [await cred(first.id), await cred(second.id)];
    const gateway = await createGateway(t.db, viewer, { name: unique("g") });

    const chosen = saveAssignments(t.db, viewer, gateway.slug, {
      assignments: [
        { server: first.slug, resources: ["ui://app/view.html"] },
        { server: second.slug, resources: ["ui://app/view.html"] },
      ],
    });
    await expect(chosen).rejects.toMatchObject({ code: "conflict" });
    await expect(chosen).rejects.toThrow(`ui://app/view.html (${first.slug}, ${second.slug})`);

    const asked: string[] = [];
    const listResources: ListServerResources = async (item, credentialId) => {
      asked.push(`${item.slug}/${credentialId}`);
      return { uris: ["ui://app/view.html"], templates: [] };
    };
    const statics = {
      assignments: [
        { server: first.slug, mode: "static" as const, credentialId: c1.id, prefix: "a" },
        { server: second.slug, mode: "static" as const, credentialId: c2.id, prefix: "b" },
      ],
    };
    await expect(saveAssignments(t.db, viewer, gateway.slug, statics, { listResources })).rejects.toThrow(
      /same resource: ui:\/\/app\/view\.html/,
    );
    expect(asked.sort()).toEqual([`${first.slug}/${c1.id}`, `${second.slug}/${c2.id}`].sort());
    // Not known in time, or exposing none of them: saved.
    expect(await saveAssignments(t.db, viewer, gateway.slug, statics, { listResources: async () => null })).toBe(2);
    const [a, b] = statics.assignments as [(typeof statics.assignments)[number], (typeof statics.assignments)[number]];
    const narrowed = { assignments: [a, { ...b, resources: "none" as const }] };
    expect(await saveAssignments(t.db, viewer, gateway.slug, narrowed, { listResources })).toBe(2);
  });
});
