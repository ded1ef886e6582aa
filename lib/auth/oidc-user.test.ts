import { describe, expect, it } from "vitest";
import { findUserByEmail, findUserById, findUserByOidcSubject } from "@/db/queries/users";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { makeUser } from "@/test/support/fixtures";
import { emailIsVouchedFor, upsertOidcUser } from "./oidc-user";

describe.each(backends)("single sign-on accounts on $name", (backend) => {
  const t = useMigratedDatabase(backend);

  it("creates a member on first sign-in, and finds them by subject afterwards", async () => {
    const sub = unique("sub");
    const email = `${unique("sso")}@Example.com`;
    const created = await upsertOidcUser(t.db, { sub, email, name: "Sso Person", emailVerified: true });
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

  it("takes over no account when the provider does not say the email is verified", async () => {
    // The attack: an account at the provider that merely claims the admin's address, with no
    // email_verified claim at all, signs in and would become the admin.
    const admin = await makeUser(t.db, "admin");
    const attacker = unique("sub");
    expect(await upsertOidcUser(t.db, { sub: attacker, email: admin.email })).toBeNull();
    expect(await upsertOidcUser(t.db, { sub: attacker, email: admin.email, emailVerified: undefined })).toBeNull();
    expect((await findUserById(t.db, admin.id))?.oidc_subject).toBeNull();
    expect(await findUserByOidcSubject(t.db, attacker)).toBeUndefined();
  });

  it("creates no account for an unverified address either", async () => {
    const sub = unique("sub");
    const email = `${unique("unverified")}@example.com`;
    expect(await upsertOidcUser(t.db, { sub, email })).toBeNull();
    expect(await upsertOidcUser(t.db, { sub, email, emailVerified: false })).toBeNull();
    expect(await findUserByEmail(t.db, email)).toBeUndefined();
  });

  it("trusts every email of the provider when the admin says so", async () => {
    const existing = await makeUser(t.db);
    const sub = unique("sub");
    const linked = await upsertOidcUser(t.db, { sub, email: existing.email }, { trustEmail: true });
    expect(linked?.id).toBe(existing.id);
    const email = `${unique("trusted")}@example.com`;
    expect((await upsertOidcUser(t.db, { sub: unique("sub"), email }, { trustEmail: true }))?.email).toBe(email);
  });

  it("says which profiles are vouched for", () => {
    expect(emailIsVouchedFor({ sub: "s", email: "a@example.com", emailVerified: true })).toBe(true);
    expect(emailIsVouchedFor({ sub: "s", email: "a@example.com" })).toBe(false);
    expect(emailIsVouchedFor({ sub: "s", email: "a@example.com", emailVerified: false })).toBe(false);
    expect(emailIsVouchedFor({ sub: "s", email: "a@example.com" }, { trustEmail: true })).toBe(true);
    expect(emailIsVouchedFor({ sub: "s", email: null }, { trustEmail: true })).toBe(false);
  });

  it("refuses a profile without subject match or email, and disabled accounts", async () => {
    expect(await upsertOidcUser(t.db, { sub: unique("sub") })).toBeNull();
    const user = await makeUser(t.db);
    await t.db.updateTable("users").set({ disabled_at: new Date() }).where("id", "=", user.id).execute();
    expect(await upsertOidcUser(t.db, { sub: unique("sub"), email: user.email, emailVerified: true })).toBeNull();
  });
});
