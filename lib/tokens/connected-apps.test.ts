import { describe, expect, it } from "vitest";
import { listConnectedApps, listSharedTokens, listUserTokens } from "@/db/queries/tokens";
import type { Actor } from "@/lib/auth/actor";
import { revokeSessions } from "@/lib/auth/session-version";
import { createGateway } from "@/lib/gateway/create-gateway";
import { userViewer } from "@/lib/gateway/gateway-access";
import {
  authenticateAtGateway,
  authenticateGatewayAccessToken,
  recordConnectedApp,
} from "@/lib/oauth-server/gateway-token";
import { storageAdapter } from "@/lib/oauth-server/storage-adapter";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { makeUser, testKeyring } from "@/test/support/fixtures";
import { authenticateToken } from "./authenticate-token";
import { createUserToken } from "./create-token";
import { revokeToken } from "./revoke-token";
import { rotateToken } from "./rotate-token";

const ORIGIN = "http://127.0.0.1:3000";

describe.each(backends)("connected apps on $name", (backend) => {
  const t = useMigratedDatabase(backend);
  const keyring = testKeyring();

  async function makeGateway() {
    const admin = await makeUser(t.db, "admin", "gw-admin");
    const gateway = await createGateway(t.db, await userViewer(t.db, admin), { name: unique("g") });
    return { ...gateway, url: `${ORIGIN}/api/mcp/${gateway.slug}` };
  }

  /** A person's connected app on a gateway, with an access and a refresh token of its grant. */
  async function connect(person: Actor, options: { clientName?: string } = {}) {
    const gateway = await makeGateway();
    const grantId = `grant-${crypto.randomUUID()}`;
    const clientId = `https://${unique("client")}.example/metadata.json`;
    const appId = await recordConnectedApp(t.db, {
      userId: person.id,
      clientId,
      clientName: options.clientName ?? "Claude",
      grantId,
      gatewayId: gateway.id,
    });
    const exp = Math.floor(Date.now() / 1000) + 600;
    const token = `at-${crypto.randomUUID()}`;
    const refresh = `rt-${crypto.randomUUID()}`;
    await storageAdapter(t.db, keyring, "AccessToken").upsert(
      token,
      { accountId: person.id, grantId, aud: gateway.url, exp },
      600,
    );
    await storageAdapter(t.db, keyring, "RefreshToken").upsert(refresh, { accountId: person.id, grantId, exp }, 600);
    return { appId, grantId, clientId, gateway, token, refresh };
  }

  const works = async (app: Awaited<ReturnType<typeof connect>>) =>
    (await authenticateGatewayAccessToken(t.db, keyring, app.token, app.gateway.url)) !== null;
  const stored = async (app: Awaited<ReturnType<typeof connect>>) => ({
    access: await storageAdapter(t.db, keyring, "AccessToken").find(app.token),
    refresh: await storageAdapter(t.db, keyring, "RefreshToken").find(app.refresh),
  });
  const revokedAt = async (appId: string) =>
    (await t.db.selectFrom("access_tokens").select("revoked_at").where("id", "=", appId).executeTakeFirstOrThrow())
      .revoked_at;

  it("are listed as connected apps, the person's or everyone's, and never among tokens", async () => {
    const ada = await makeUser(t.db, "member", "ada");
    const bob = await makeUser(t.db, "member", "bob");
    const { listing: laptop } = await createUserToken(t.db, ada, { name: "laptop" });
    const older = await connect(ada, { clientName: "VS Code" });
    const newer = await connect(ada, { clientName: "Claude" });
    const bobs = await connect(bob, { clientName: "Cursor" });

    const tokens = await listUserTokens(t.db, ada.id);
    expect(tokens.map((row) => row.id)).toEqual([laptop.id]);
    const shared = await listSharedTokens(t.db, [], true);
    expect(shared.map((row) => row.id)).not.toContain(older.appId);

    const mine = await listConnectedApps(t.db, { userId: ada.id });
    expect(mine.map((row) => row.id)).toEqual([newer.appId, older.appId]);
    expect(mine[0]).toEqual({
      id: newer.appId,
      name: "Claude",
      oauth_client_id: newer.clientId,
      gateway_name: newer.gateway.name,
      gateway_slug: newer.gateway.slug,
      user_name: "ada",
      user_email: ada.email,
      created_at: expect.any(Date),
      last_used_at: null,
      revoked_at: null,
    });
    expect(JSON.stringify(mine)).not.toContain("secret_hash");

    const everyone = (await listConnectedApps(t.db, { all: true })).map((row) => row.id);
    expect(everyone).toEqual(expect.arrayContaining([newer.appId, older.appId, bobs.appId]));
    expect(everyone).not.toContain(laptop.id);

    // Revoked apps stay listed (as revoked).
    await revokeToken(t.db, ada, older.appId);
    const after = await listConnectedApps(t.db, { userId: ada.id });
    expect(after.find((row) => row.id === older.appId)?.revoked_at).toBeInstanceOf(Date);
  });

  it("revoking one disconnects it at once: its grant's tokens are deleted and refused, even when just checked", async () => {
    const ada = await makeUser(t.db, "member", "ada");
    const app = await connect(ada);
    const other = await connect(ada);
    // Checked a moment ago: held in this replica's one-second cache.
    expect(await authenticateAtGateway(t.db, keyring, app.token, app.gateway.url)).not.toBeNull();
    expect(authenticateAtGateway(t.db, keyring, app.token, app.gateway.url)).not.toBeInstanceOf(Promise);

    await revokeToken(t.db, ada, app.appId);

    expect(await authenticateAtGateway(t.db, keyring, app.token, app.gateway.url)).toBeNull();
    expect(await works(app)).toBe(false);
    expect(await stored(app)).toEqual({ access: undefined, refresh: undefined });
    expect(await revokedAt(app.appId)).toBeInstanceOf(Date);
    // The person's other app is untouched.
    expect(await works(other)).toBe(true);
    expect((await stored(other)).refresh).toBeDefined();

    const events = await t.db.selectFrom("audit_events").selectAll().where("actor_token_id", "=", app.appId).execute();
    expect(events.map((e) => e.action)).toEqual(["app.revoke"]);
    expect(events[0]).toMatchObject({ actor_user_id: ada.id, gateway_id: app.gateway.id });
    const details = typeof events[0]?.details === "string" ? JSON.parse(events[0].details) : events[0]?.details;
    expect(details).toEqual({ client: app.clientId });
    // An ordinary token's revocation is still a token.revoke.
    const { listing } = await createUserToken(t.db, ada, { name: "laptop" });
    await revokeToken(t.db, ada, listing.id);
    const actions = await t.db
      .selectFrom("audit_events")
      .select("action")
      .where("actor_token_id", "=", listing.id)
      .execute();
    expect(actions.map((e) => e.action)).toContain("token.revoke");
    expect(actions.map((e) => e.action)).not.toContain("app.revoke");
  });

  it("another member cannot revoke someone's app (not found); an admin can", async () => {
    const ada = await makeUser(t.db, "member", "ada");
    const bob = await makeUser(t.db, "member", "bob");
    const admin = await makeUser(t.db, "admin", "admin");
    const app = await connect(ada);

    await expect(revokeToken(t.db, bob, app.appId)).rejects.toMatchObject({ code: "not_found" });
    expect(await works(app)).toBe(true);
    expect(await revokedAt(app.appId)).toBeNull();

    await revokeToken(t.db, admin, app.appId);
    expect(await works(app)).toBe(false);
    expect(await stored(app)).toEqual({ access: undefined, refresh: undefined });
    // Once revoked, it is gone for everyone.
    await expect(revokeToken(t.db, ada, app.appId)).rejects.toMatchObject({ code: "not_found" });
  });

  it("cannot be rotated, by its person or an admin: no token that acts as the person is minted", async () => {
    const ada = await makeUser(t.db, "member", "ada");
    const admin = await makeUser(t.db, "admin", "admin");
    const app = await connect(ada);
    const count = async () =>
      Number(
        (
          await t.db
            .selectFrom("access_tokens")
            .select((eb) => eb.fn.countAll<string>().as("n"))
            .where("user_id", "=", ada.id)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();

    await expect(rotateToken(t.db, ada, app.appId)).rejects.toMatchObject({ code: "not_found" });
    await expect(rotateToken(t.db, admin, app.appId)).rejects.toMatchObject({ code: "not_found" });

    expect(await count()).toBe(before);
    expect(await revokedAt(app.appId)).toBeNull();
    expect(await works(app)).toBe(true);
  });

  it("signing a person out everywhere disconnects all their apps, and no one else's", async () => {
    const ada = await makeUser(t.db, "member", "ada");
    const bob = await makeUser(t.db, "member", "bob");
    const first = await connect(ada);
    const second = await connect(ada);
    const bobs = await connect(bob);
    const { token: personal, listing } = await createUserToken(t.db, ada, { name: "laptop" });
    expect(await authenticateAtGateway(t.db, keyring, first.token, first.gateway.url)).not.toBeNull();

    await revokeSessions(t.db, ada.id);

    for (const app of [first, second]) {
      expect(await works(app)).toBe(false);
      expect(await stored(app)).toEqual({ access: undefined, refresh: undefined });
      expect(await revokedAt(app.appId)).toBeInstanceOf(Date);
    }
    expect(await authenticateAtGateway(t.db, keyring, first.token, first.gateway.url)).toBeNull();
    expect(await works(bobs)).toBe(true);
    expect(await revokedAt(bobs.appId)).toBeNull();
    // Personal tokens are not sessions: they stay.
    expect(await revokedAt(listing.id)).toBeNull();
    expect((await authenticateToken(t.db, personal))?.user?.id).toBe(ada.id);
  });
});
