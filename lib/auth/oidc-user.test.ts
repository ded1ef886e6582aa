import { describe, expect, it } from "vitest";
import { findUserById } from "@/db/queries/users";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { makeUser } from "@/test/support/fixtures";
import { upsertOidcUser } from "./oidc-user";

describe.each(backends)("single sign-on accounts on $name", (backend) => {
  const t = useMigratedDatabase(backend);

  it("creates a member on first sign-in, and finds them by subject afterwards", async () => {
    const sub = unique("sub");
    const email = `${unique("sso")}@Example.com`;
    const created = await upsertOidcUser(t.db, { sub, email, name: "Sso Person" });
    expect(created).toMatchObject({
      email: email.toLowerCase(),
      role: "member",
      password_hash: null,
      oidc_subject: sub,
    });
    const again = await upsertOidcUser(t.db, { sub, email: "changed@example.com" });
    expect(again?.id).toBe(created?.id);
  });

  it("links an existing account by verified email only", async () => {
    const existing = await makeUser(t.db, "admin");
    expect(await upsertOidcUser(t.db, { sub: unique("sub"), email: existing.email, emailVerified: false })).toBeNull();
    const sub = unique("sub");
    const linked = await upsertOidcUser(t.db, { sub, email: existing.email.toUpperCase(), emailVerified: true });
    expect(linked?.id).toBe(existing.id);
    expect((await findUserById(t.db, existing.id))?.oidc_subject).toBe(sub);
    // The role stays what the admin gave; single sign-on never grants admin by itself.
    expect(linked?.role).toBe("admin");
  });

  it("refuses a profile without subject match or email, and disabled accounts", async () => {
    expect(await upsertOidcUser(t.db, { sub: unique("sub") })).toBeNull();
    const user = await makeUser(t.db);
    await t.db.updateTable("users").set({ disabled_at: new Date() }).where("id", "=", user.id).execute();
    expect(await upsertOidcUser(t.db, { sub: unique("sub"), email: user.email, emailVerified: true })).toBeNull();
  });
});
