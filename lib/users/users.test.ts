import { describe, expect, it } from "vitest";
import { findUserByEmail } from "@/db/queries/users";
import { verifyCredentials } from "@/lib/auth/verify-credentials";
import { LoginThrottle } from "@/lib/auth/throttle";
import { AppError } from "@/lib/errors";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { makeUser, TEST_PASSWORD } from "@/test/support/fixtures";
import { createUser } from "./create-user";
import { publicUser } from "./public-user";
import { needsSetup, setupAdmin } from "./setup-admin";

describe.each(backends)("users on $name", (backend) => {
  const t = useMigratedDatabase(backend);

  it("first-run set-up creates exactly one admin even when submitted twice at once, then closes", async () => {
    expect(await needsSetup(t.db)).toBe(true);
    const results = await Promise.allSettled([
      setupAdmin(t.db, { email: "first@example.com", name: "First", password: "password-1" }, "setup-page"),
      setupAdmin(t.db, { email: "second@example.com", name: "Second", password: "password-2" }, "setup-page"),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((rejected.reason as AppError).code).toBe("forbidden");
    expect(await needsSetup(t.db)).toBe(false);
    await expect(
      setupAdmin(t.db, { email: "third@example.com", password: "password-3" }, "setup-page"),
    ).rejects.toThrow(/already done/);
  });

  it("admins create users with a hashed password; emails are unique regardless of case", async () => {
    const admin = await makeUser(t.db, "admin");
    const email = `${unique("new")}@Example.com`;
    const created = await createUser(t.db, admin, { email, name: "New Person", password: "long enough" });
    expect(created.email).toBe(email.toLowerCase());
    expect(created.role).toBe("member");
    const row = await findUserByEmail(t.db, email);
    expect(row?.password_hash).toMatch(/^scrypt\$/);
    expect(row?.password_hash).not.toContain("long enough");
    expect(JSON.stringify(publicUser(row as never))).not.toContain("scrypt");
    const dup = await createUser(t.db, admin, { email: email.toUpperCase(), name: "x", password: "long enough" }).catch(
      (e) => e,
    );
    expect(dup).toBeInstanceOf(AppError);
    expect(dup.code).toBe("conflict");
  });

  it("gives field errors for bad input and refuses members", async () => {
    const admin = await makeUser(t.db, "admin");
    const member = await makeUser(t.db, "member");
    const bad = await createUser(t.db, admin, { email: "not-an-email", name: "", password: "short" }).catch((e) => e);
    expect(bad.code).toBe("bad_request");
    expect(Object.keys(bad.fields).sort()).toEqual(["email", "name", "password"]);
    const denied = await createUser(t.db, member, {
      email: `${unique("x")}@example.com`,
      name: "x",
      password: "long enough",
    }).catch((e) => e);
    expect(denied.code).toBe("forbidden");
  });

  it("sign-in: right password works, wrong password and unknown email fail alike, failures slow down", async () => {
    const user = await makeUser(t.db, "member");
    const throttle = new LoginThrottle();
    const sleeps: number[] = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
    };
    const attempt = (email: string, password: string) =>
      verifyCredentials(t.db, { email, password, clientAddress: "203.0.113.9", throttle, sleep });

    expect((await attempt(user.email.toUpperCase(), TEST_PASSWORD))?.id).toBe(user.id);
    expect(await attempt(user.email, "wrong password")).toBeNull();
    expect(await attempt("nobody@example.com", TEST_PASSWORD)).toBeNull();
    expect(sleeps).toEqual([]);
    for (let i = 0; i < 3; i++) await attempt(user.email, "wrong password");
    // 5 failures from this address by now: the answers are being held back, and growing.
    expect(sleeps.length).toBeGreaterThanOrEqual(2);
    expect(sleeps.at(-1)).toBeGreaterThan(sleeps[0] ?? 0);
    // A correct password still works (slowly) and clears the email's count.
    expect((await attempt(user.email, TEST_PASSWORD))?.id).toBe(user.id);
  });
});
