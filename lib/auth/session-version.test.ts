import type { Updateable } from "kysely";
import { describe, expect, it } from "vitest";
import type { UsersTable } from "@/db/schema";
import { getReplicaBus } from "@/lib/replica-bus";
import { backends, useMigratedDatabase } from "@/test/support/database";
import { makeUser } from "@/test/support/fixtures";
import {
  getSessionVersions,
  readSessionVersion,
  revokeSessions,
  SESSION_VERSION_CACHE_MS,
  SessionVersions,
  sessionVersionHolds,
} from "./session-version";

describe.each(backends)("session versions on $name", (backend) => {
  const t = useMigratedDatabase(backend);

  it("sign-out moves the version on, so a copied cookie's version no longer holds", async () => {
    const user = await makeUser(t.db);
    const atSignIn = await readSessionVersion(t.db, user.id);
    expect(atSignIn).toBe(0);
    expect(sessionVersionHolds(atSignIn, await readSessionVersion(t.db, user.id))).toBe(true);
    await revokeSessions(t.db, user.id);
    expect(sessionVersionHolds(atSignIn, await readSessionVersion(t.db, user.id))).toBe(false);
  });

  it("a password, role or disabled change moves it on, whatever code makes the change", async () => {
    const user = await makeUser(t.db);
    const version = async () => readSessionVersion(t.db, user.id);
    const update = (set: Updateable<UsersTable>) =>
      t.db.updateTable("users").set(set).where("id", "=", user.id).execute();

    await update({ name: "Renamed" });
    expect(await version()).toBe(0);
    await update({ password_hash: "changed" });
    expect(await version()).toBe(1);
    await update({ role: "admin" });
    expect(await version()).toBe(2);
    await update({ role: "admin" });
    expect(await version()).toBe(2);
    await update({ disabled_at: new Date() });
    // A disabled account has no valid session at all.
    expect(await version()).toBeNull();
  });

  it("a cookie without a version (from before versions) holds for no one", () => {
    expect(sessionVersionHolds(undefined, 0)).toBe(false);
    expect(sessionVersionHolds("0", 0)).toBe(false);
    expect(sessionVersionHolds(0, null)).toBe(false);
  });

  it("caches for a few seconds, and forgets a person revoked at any replica at once", async () => {
    const user = await makeUser(t.db);
    let now = 1_000_000;
    const versions = new SessionVersions(() => now);
    expect(await versions.current(t.db, user.id)).toBe(0);
    await t.db.updateTable("users").set({ password_hash: "x" }).where("id", "=", user.id).execute();
    expect(await versions.current(t.db, user.id)).toBe(0);
    now += SESSION_VERSION_CACHE_MS;
    expect(await versions.current(t.db, user.id)).toBe(1);

    // The process-wide cache hears the replica bus.
    const shared = getSessionVersions();
    expect(await shared.current(t.db, user.id)).toBe(1);
    await t.db.updateTable("users").set({ session_version: 7 }).where("id", "=", user.id).execute();
    expect(await shared.current(t.db, user.id)).toBe(1);
    await getReplicaBus().publish({ kind: "sessions-revoked", userId: user.id });
    expect(await shared.current(t.db, user.id)).toBe(7);
    await revokeSessions(t.db, user.id);
    expect(await shared.current(t.db, user.id)).toBe(8);
  });
});
