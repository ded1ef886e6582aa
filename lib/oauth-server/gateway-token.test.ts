import { describe, expect, it } from "vitest";
import { listConnectedApps } from "@/db/queries/tokens";
import { createGateway } from "@/lib/gateway/create-gateway";
import { userViewer } from "@/lib/gateway/gateway-access";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { makeUser, testKeyring } from "@/test/support/fixtures";
import { authenticateGatewayAccessToken, recordConnectedApp } from "./gateway-token";
import { storageAdapter } from "./storage-adapter";

const ORIGIN = "http://127.0.0.1:3000";

describe.each(backends)("a gateway taking the authorization server's access tokens, on $name", (backend) => {
  const t = useMigratedDatabase(backend);
  const keyring = testKeyring();

  /** A person who connected a client to gateway `main`, and an access token issued for `audience`. */
  async function connected(options: { audience?: string; expiresIn?: number } = {}) {
    const person = await makeUser(t.db, "member", "ada");
    const admin = await makeUser(t.db, "admin");
    const gateway = await createGateway(t.db, await userViewer(t.db, admin), { name: unique("g") });
    const url = `${ORIGIN}/api/mcp/${gateway.slug}`;
    const grantId = `grant-${crypto.randomUUID()}`;
    const appId = await recordConnectedApp(t.db, {
      userId: person.id,
      clientId: "https://client.example/metadata.json",
      clientName: "Claude",
      grantId,
      gatewayId: gateway.id,
    });
    const token = `at-${crypto.randomUUID()}`;
    const expiresIn = options.expiresIn ?? 600;
    await storageAdapter(t.db, keyring, "AccessToken").upsert(
      token,
      {
        accountId: person.id,
        grantId,
        aud: options.audience ?? url,
        exp: Math.floor(Date.now() / 1000) + expiresIn,
      },
      Math.max(expiresIn, 1),
    );
    return { person, url, appId, token, grantId };
  }

  it("stands for the person who consented, as their connected app's token", async () => {
    const { person, url, appId, token } = await connected();
    const principal = await authenticateGatewayAccessToken(t.db, keyring, token, url);
    expect(principal?.user?.id).toBe(person.id);
    expect(principal?.token).toMatchObject({ id: appId, kind: "user" });
  });

  it("is refused at another gateway, after its time, unknown, or once its app is revoked or its person disabled", async () => {
    const other = await connected({ audience: `${ORIGIN}/api/mcp/elsewhere` });
    expect(await authenticateGatewayAccessToken(t.db, keyring, other.token, other.url)).toBeNull();

    const late = await connected();
    expect(await authenticateGatewayAccessToken(t.db, keyring, late.token, late.url, Date.now() + 601_000)).toBeNull();

    const known = await connected();
    expect(await authenticateGatewayAccessToken(t.db, keyring, "made-up", known.url)).toBeNull();

    const revoked = await connected();
    await t.db.updateTable("access_tokens").set({ revoked_at: new Date() }).where("id", "=", revoked.appId).execute();
    expect(await authenticateGatewayAccessToken(t.db, keyring, revoked.token, revoked.url)).toBeNull();

    const disabled = await connected();
    await t.db.updateTable("users").set({ disabled_at: new Date() }).where("id", "=", disabled.person.id).execute();
    expect(await authenticateGatewayAccessToken(t.db, keyring, disabled.token, disabled.url)).toBeNull();
  });

  it("is listed among the person's connected apps, under the client's name and its gateway", async () => {
    const { person, appId } = await connected();
    const listed = await listConnectedApps(t.db, { userId: person.id });
    expect(listed.find((row) => row.id === appId)).toMatchObject({
      name: "Claude",
      oauth_client_id: "https://client.example/metadata.json",
      revoked_at: null,
    });
  });
});
