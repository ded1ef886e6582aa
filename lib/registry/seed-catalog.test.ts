import { describe, expect, it } from "vitest";
import { backends, useMigratedDatabase } from "@/test/support/database";
import { testKeyring } from "@/test/support/fixtures";
import { catalogItemSchema } from "./schemas";
import { SEED_ENTRIES, seedCatalog } from "./seed-catalog";

describe.each(backends)("seeding the registry on $name", (backend) => {
  const t = useMigratedDatabase(backend);

  it("adds the example servers once, even when started twice at once, and never again", async () => {
    const keyring = testKeyring();
    // An entry with a seed's slug already exists: it is left as it is.
    await t.db
      .insertInto("catalog_items")
      .values({ slug: "fetch", name: "Our fetch", kind: "remote", url: "https://f.example/mcp", auth_kind: "none" })
      .execute();
    const counts = await Promise.all([seedCatalog(t.db, keyring), seedCatalog(t.db, keyring)]);
    expect(counts.sort()).toEqual([0, SEED_ENTRIES.length - 1]);
    const items = await t.db.selectFrom("catalog_items").select(["slug", "name", "kind", "auth_kind"]).execute();
    expect(items.map((i) => i.slug).sort()).toEqual(SEED_ENTRIES.map((e) => e.slug).sort());
    expect(items.find((i) => i.slug === "fetch")?.name).toBe("Our fetch");
    expect(items.find((i) => i.slug === "linear")).toMatchObject({ kind: "remote", auth_kind: "oauth" });
    // Deleted entries do not come back at the next start.
    await t.db.deleteFrom("catalog_items").where("slug", "=", "server-memory").execute();
    expect(await seedCatalog(t.db, keyring)).toBe(0);
    expect(await t.db.selectFrom("catalog_items").select("id").where("slug", "=", "server-memory").execute()).toEqual(
      [],
    );
  });

  it("seeds only entries the catalog accepts", () => {
    for (const entry of SEED_ENTRIES) expect(catalogItemSchema.safeParse(entry).success).toBe(true);
  });
});
