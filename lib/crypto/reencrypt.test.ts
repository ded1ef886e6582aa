import { describe, expect, it } from "vitest";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { makeUser } from "@/test/support/fixtures";
import { addKeyVersion, formatKeyring, generateKey, parseKeyring } from "./keyring";
import { reencryptAll } from "./reencrypt";
import { open, seal, sealedKeyVersion } from "./seal";
import { catalogConfigContext, credentialSecretContext } from "./sealed-columns";

describe.each(backends)("key rotation on $name", (backend) => {
  const t = useMigratedDatabase(backend);

  it("re-seals every stored secret under the newest key, so the old key can be retired", async () => {
    const v1 = parseKeyring(generateKey().toString("base64"));
    const user = await makeUser(t.db);
    const itemId = crypto.randomUUID();
    const item = { id: itemId };
    await t.db
      .insertInto("catalog_items")
      .values({
        id: itemId,
        slug: unique("remote"),
        name: "Remote",
        kind: "remote",
        url: "https://mcp.example.com/mcp",
        auth_kind: "oauth",
        sealed_config: seal(v1, "client-secret", catalogConfigContext(item)),
      })
      .execute();
    const credential = { id: crypto.randomUUID(), owner_user_id: user.id, owner_team_id: null };
    await t.db
      .insertInto("credentials")
      .values({
        ...credential,
        catalog_item_id: itemId,
        scope: "personal",
        status: "active",
        sealed_secret: seal(v1, '{"API_KEY":"k-1"}', credentialSecretContext(credential)),
      })
      .execute();

    const v2 = addKeyVersion(v1);
    const first = await reencryptAll(t.db, v2);
    expect(first.resealed).toBeGreaterThanOrEqual(2);
    expect(await reencryptAll(t.db, v2)).toMatchObject({ resealed: 0 });

    // Only version 2 remains: both values still open, and are sealed with it.
    const onlyV2 = parseKeyring(formatKeyring(v2).split(",")[1] as string);
    const cred = await t.db
      .selectFrom("credentials")
      .select("sealed_secret")
      .where("id", "=", credential.id)
      .executeTakeFirstOrThrow();
    expect(sealedKeyVersion(cred.sealed_secret)).toBe(2);
    expect(open(onlyV2, cred.sealed_secret, credentialSecretContext(credential))).toBe('{"API_KEY":"k-1"}');
    const row = await t.db
      .selectFrom("catalog_items")
      .select("sealed_config")
      .where("id", "=", itemId)
      .executeTakeFirstOrThrow();
    expect(open(onlyV2, row.sealed_config as string, catalogConfigContext(item))).toBe("client-secret");
  });
});
