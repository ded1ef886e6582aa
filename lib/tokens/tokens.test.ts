import { describe, expect, it } from "vitest";
import { findTokenByPrefix, listUserTokens } from "@/db/queries/tokens";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { makeUser } from "@/test/support/fixtures";
import { authenticateToken } from "./authenticate-token";
import { createUserToken } from "./create-token";
import { revokeToken } from "./revoke-token";
import { rotateToken } from "./rotate-token";
import { createToken } from "./create-token";
import { sameSecret } from "@/lib/crypto";
import { bearerToken, generateToken, tokenMatches, tokenPrefix } from "./token-format";

describe("token format", () => {
  it("generates distinct, well-formed tokens whose prefix and hash check out", () => {
    const a = generateToken("user");
    const b = generateToken("team");
    expect(a.token).not.toBe(b.token);
    expect(a.token.startsWith(`${a.prefix}_`)).toBe(true);
    expect(tokenPrefix(a.token)).toBe(a.prefix);
    expect(b.prefix).toMatch(/^mcpo_t_[0-9a-f]{8}$/);
    expect(tokenMatches(a.token, a.hash)).toBe(true);
    expect(tokenMatches(b.token, a.hash)).toBe(false);
    expect(tokenPrefix(`${a.token}x`)).toBeNull();
    expect(tokenPrefix("Bearer nonsense")).toBeNull();
    expect(sameSecret(a.token, a.token.slice())).toBe(true);
    expect(sameSecret(a.token, `${a.token.slice(0, -1)}${a.token.endsWith("A") ? "B" : "A"}`)).toBe(false);
    expect(sameSecret(a.token, `${a.token}x`)).toBe(false);
  });

  it("reads bearer headers strictly", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("bearer   abc  ")).toBe("abc");
    expect(bearerToken("Basic abc")).toBeNull();
    expect(bearerToken("Bearer a b")).toBeNull();
    expect(bearerToken(null)).toBeNull();
  });
});

describe.each(backends)("tokens on $name", (backend) => {
  const t = useMigratedDatabase(backend);

  it("a created token authenticates as its owner, is stored only as a hash, and stops working when revoked", async () => {
    const user = await makeUser(t.db);
    const { token, listing } = await createUserToken(t.db, user, { name: "laptop" });
    const row = await findTokenByPrefix(t.db, listing.prefix);
    expect(row?.secret_hash).not.toContain(token.slice(-20));
    expect(JSON.stringify(await listUserTokens(t.db, user.id))).not.toContain(token);

    const principal = await authenticateToken(t.db, token);
    expect(principal?.user?.id).toBe(user.id);
    expect(principal?.token.kind).toBe("user");

    // Again, from the cache: compared with the token that matched, not hashed again.
    expect((await authenticateToken(t.db, token))?.token.id).toBe(principal?.token.id);
    // Same prefix, different secret: rejected, cached or not.
    const forged = `${listing.prefix}_${"A".repeat(43)}`;
    expect(await authenticateToken(t.db, forged)).toBeNull();
    const nearly = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    expect(await authenticateToken(t.db, nearly)).toBeNull();
    expect((await authenticateToken(t.db, token))?.token.id).toBe(principal?.token.id);

    await revokeToken(t.db, user, listing.id);
    expect(await authenticateToken(t.db, token)).toBeNull();
  });

  it("expired tokens fail; people cannot revoke others' tokens", async () => {
    const alice = await makeUser(t.db, "member", "alice");
    const bob = await makeUser(t.db, "member", "bob");
    const { token, listing } = await createUserToken(t.db, alice, { name: "short", expiresInDays: 1 });
    expect(await authenticateToken(t.db, token)).not.toBeNull();
    expect(await authenticateToken(t.db, token, new Date(Date.now() + 2 * 86_400_000))).toBeNull();
    await expect(revokeToken(t.db, bob, listing.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(revokeToken(t.db, bob, "../../etc")).rejects.toMatchObject({ code: "not_found" });
    expect(await authenticateToken(t.db, token)).not.toBeNull();
  });

  it("validates the name and expiry", async () => {
    const user = await makeUser(t.db);
    await expect(createUserToken(t.db, user, { name: " " })).rejects.toMatchObject({ code: "bad_request" });
    await expect(createUserToken(t.db, user, { name: "x", expiresInDays: 0 })).rejects.toMatchObject({
      fields: { expiresInDays: expect.any(String) },
    });
  });

  it("rotating replaces a token: the new one acts as the same owner, the old one stops at once", async () => {
    const alice = await makeUser(t.db, "member", "alice");
    const bob = await makeUser(t.db, "member", "bob");
    const { token: old, listing } = await createUserToken(t.db, alice, { name: "ci", expiresInDays: 30 });
    expect(await authenticateToken(t.db, old)).not.toBeNull();
    await expect(rotateToken(t.db, bob, listing.id)).rejects.toMatchObject({ code: "not_found" });

    const rotated = await rotateToken(t.db, alice, listing.id);
    expect(rotated.token).not.toBe(old);
    expect(rotated.replaced).toBe(listing.id);
    expect(rotated.listing).toMatchObject({ name: "ci", kind: "user", user_id: alice.id, revoked_at: null });
    expect(JSON.stringify(rotated.listing)).not.toContain(rotated.token);
    // The same lifetime again, from now.
    const days = ((rotated.listing.expires_at?.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    expect(await authenticateToken(t.db, old)).toBeNull();
    expect((await authenticateToken(t.db, rotated.token))?.user?.id).toBe(alice.id);
    // A revoked token cannot be rotated back to life, nor an expired one.
    await expect(rotateToken(t.db, alice, listing.id)).rejects.toMatchObject({ code: "not_found" });
    const { listing: lapsed } = await createUserToken(t.db, alice, { name: "lapsed", expiresInDays: 1 });
    await t.db
      .updateTable("access_tokens")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("id", "=", lapsed.id)
      .execute();
    await expect(rotateToken(t.db, alice, lapsed.id)).rejects.toMatchObject({ code: "not_found" });
  });

  it("an admin may revoke a person's token but not rotate it into one of their own", async () => {
    const admin = await makeUser(t.db, "admin", "admin");
    const carol = await makeUser(t.db, "member", "carol");
    const { token, listing } = await createUserToken(t.db, carol, { name: "laptop" });
    await expect(rotateToken(t.db, admin, listing.id)).rejects.toMatchObject({ code: "not_found" });
    expect((await authenticateToken(t.db, token))?.user?.id).toBe(carol.id);
    await revokeToken(t.db, admin, listing.id);
    expect(await authenticateToken(t.db, token)).toBeNull();
  });

  it("a team token is rotated by the team's admins into another team token", async () => {
    const admin = await makeUser(t.db, "member", "lead");
    const member = await makeUser(t.db, "member", "dev");
    const team = await t.db
      .insertInto("teams")
      .values({ name: unique("Team"), slug: unique("team") })
      .returningAll()
      .executeTakeFirstOrThrow();
    await t.db
      .insertInto("team_members")
      .values([
        { team_id: team.id, user_id: admin.id, role: "admin" },
        { team_id: team.id, user_id: member.id, role: "member" },
      ])
      .execute();
    const { listing } = await createToken(t.db, admin, { kind: "team", teamId: team.id }, { name: "bot" });
    await expect(rotateToken(t.db, member, listing.id)).rejects.toMatchObject({ code: "not_found" });
    const rotated = await rotateToken(t.db, admin, listing.id);
    expect(rotated.listing).toMatchObject({ kind: "team", team_id: team.id, user_id: null, expires_at: null });
    expect((await authenticateToken(t.db, rotated.token))?.token.team_id).toBe(team.id);
  });
});
