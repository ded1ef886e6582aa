import Provider from "oidc-provider";
import { describe, expect, it } from "vitest";
import { backends, useMigratedDatabase } from "@/test/support/database";
import { hashToken } from "@/lib/tokens/token-format";
import { testKeyring } from "@/test/support/fixtures";
import { pruneExpired, storageAdapter, UNUSED_CLIENT_TTL_SECONDS } from "./storage-adapter";

const ISSUER = "http://127.0.0.1:4999";
/** When a code was consumed (the model has it; its types leave it out). */
const consumedOf = (code: unknown) => (code as { consumed?: number } | undefined)?.consumed;
const REDIRECT = "http://127.0.0.1:33418/callback";

describe.each(backends)("the authorization server's storage, on $name", (backend) => {
  const t = useMigratedDatabase(backend);
  const keyring = testKeyring();
  /** One replica's authorization server over the shared database. */
  const replica = () =>
    new Provider(ISSUER, {
      adapter: (name: string) => storageAdapter(t.db, keyring, name),
      cookies: { keys: ["test-only-cookie-key"] },
      features: { devInteractions: { enabled: false } },
    });
  const registerClient = (clientId: string) =>
    storageAdapter(t.db, keyring, "Client").upsert(clientId, {
      client_id: clientId,
      client_name: "Test client",
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    });

  it("a client, a grant and tokens made on one replica are found on another, and go with their grant", async () => {
    const [a, b] = [replica(), replica()];
    // Long enough that random ciphertext cannot contain it by chance (a short id like "ada" can).
    const ACCOUNT = `person-${crypto.randomUUID()}`;
    const clientId = `client-${crypto.randomUUID()}`;
    await registerClient(clientId);
    const client = await b.Client.find(clientId);
    expect(client?.clientName).toBe("Test client");

    const grant = new a.Grant({ accountId: ACCOUNT, clientId });
    grant.addOIDCScope("openid");
    const grantId = await grant.save();
    const issued = { accountId: ACCOUNT, client: client as never, grantId, scope: "openid", gty: "authorization_code" };
    const accessToken = await new a.AccessToken(issued).save();
    const refreshToken = await new a.RefreshToken(issued).save();
    expect((await b.AccessToken.find(accessToken))?.accountId).toBe(ACCOUNT);
    expect((await b.RefreshToken.find(refreshToken))?.accountId).toBe(ACCOUNT);

    // Nothing in the database is usable on its own: no token, no account, no client name.
    const rows = await t.db.selectFrom("oauth_server_models").selectAll().execute();
    const stored = JSON.stringify(rows);
    for (const secret of [accessToken, refreshToken, ACCOUNT, "Test client"]) expect(stored).not.toContain(secret);

    // Revoking the grant on one replica takes its tokens everywhere.
    await storageAdapter(t.db, keyring, "Grant").revokeByGrantId(grantId);
    expect(await b.AccessToken.find(accessToken)).toBeUndefined();
    expect(await a.RefreshToken.find(refreshToken)).toBeUndefined();
  });

  it("an authorization code consumed on one replica is known as consumed on another", async () => {
    const [a, b] = [replica(), replica()];
    const clientId = `client-${crypto.randomUUID()}`;
    await registerClient(clientId);
    const client = await a.Client.find(clientId);
    const code = await new a.AuthorizationCode({
      accountId: "ada",
      client: client as never,
      grantId: "g-1",
      redirectUri: REDIRECT,
      codeChallenge: "x".repeat(43),
      codeChallengeMethod: "S256",
      scope: "openid",
      gty: "authorization_code",
    }).save();
    const found = await b.AuthorizationCode.find(code);
    expect(consumedOf(found)).toBeUndefined();
    await found?.consume();
    expect(consumedOf(await a.AuthorizationCode.find(code))).toBeTruthy();
  });

  it("a code presented twice at once is used once; the second presentation revokes its grant (found in review)", async () => {
    const codes = storageAdapter(t.db, keyring, "AuthorizationCode");
    const grants = storageAdapter(t.db, keyring, "Grant");
    const tokens = storageAdapter(t.db, keyring, "AccessToken");
    const grantId = `grant-${crypto.randomUUID()}`;
    await grants.upsert(grantId, { accountId: "ada", clientId: "c" }, 600);
    await codes.upsert("the-code", { grantId, accountId: "ada" }, 60);
    await tokens.upsert("issued-with-it", { grantId, accountId: "ada" }, 600);
    // Both replicas read the code unconsumed, then both consume it.
    const outcomes = await Promise.allSettled([codes.consume("the-code"), codes.consume("the-code")]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    expect(outcomes.find((o) => o.status === "rejected")).toMatchObject({
      reason: expect.objectContaining({ error: "invalid_grant" }),
    });
    expect(await tokens.find("issued-with-it")).toBeUndefined();
    expect(await grants.find(grantId)).toBeUndefined();
  });

  it("a record past its expiry is not found, and is pruned; interactions are found by their uid", async () => {
    const interactions = storageAdapter(t.db, keyring, "Interaction");
    await interactions.upsert("i-short", { uid: "uid-short", returnTo: "/x" }, 1);
    await interactions.upsert("i-long", { uid: "uid-long", returnTo: "/y" }, 600);
    expect(await interactions.findByUid("uid-long")).toMatchObject({ returnTo: "/y" });
    expect(await interactions.find("i-short")).toMatchObject({ returnTo: "/x" });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await interactions.find("i-short")).toBeUndefined();
    expect(await pruneExpired(t.db)).toBeGreaterThanOrEqual(1);
    expect(await interactions.find("i-long")).toMatchObject({ returnTo: "/y" });
  });

  it("a registered client unused for its time is forgotten; one in use is kept", async () => {
    const clients = storageAdapter(t.db, keyring, "Client");
    const [idle, busy] = [`idle-${crypto.randomUUID()}`, `busy-${crypto.randomUUID()}`];
    await registerClient(idle);
    await registerClient(busy);
    const endOf = async (id: string) =>
      (
        await t.db
          .selectFrom("oauth_server_models")
          .select("expires_at")
          .where("model", "=", "Client")
          .where("id_hash", "=", hashToken(id))
          .executeTakeFirstOrThrow()
      ).expires_at?.getTime() ?? 0;
    const month = UNUSED_CLIENT_TTL_SECONDS * 1000;
    expect(Math.abs((await endOf(idle)) - (Date.now() + month))).toBeLessThan(60_000);
    // Both registered 29 days ago; one is used now.
    await t.db
      .updateTable("oauth_server_models")
      .set({ expires_at: new Date(Date.now() + 86_400_000) })
      .where("model", "=", "Client")
      .execute();
    expect(await clients.find(busy)).toMatchObject({ client_id: busy });
    expect(Math.abs((await endOf(busy)) - (Date.now() + month))).toBeLessThan(60_000);
    expect(await endOf(idle)).toBeLessThan(Date.now() + 2 * 86_400_000);
    expect(await pruneExpired(t.db, new Date(Date.now() + 2 * 86_400_000))).toBeGreaterThanOrEqual(1);
    expect(await clients.find(idle)).toBeUndefined();
    expect(await clients.find(busy)).toMatchObject({ client_id: busy });
  });

  it("a record sealed for one row does not open as another's (a swapped payload is refused)", async () => {
    const tokens = storageAdapter(t.db, keyring, "AccessToken");
    await tokens.upsert("token-one", { accountId: "ada" }, 600);
    await tokens.upsert("token-two", { accountId: "mallory" }, 600);
    const [one, two] = await Promise.all(
      ["token-one", "token-two"].map((id) =>
        t.db
          .selectFrom("oauth_server_models")
          .select(["id_hash", "sealed_payload"])
          .where("model", "=", "AccessToken")
          .where("id_hash", "=", hashToken(id))
          .executeTakeFirstOrThrow(),
      ),
    );
    // Mallory's payload moved into Ada's row does not open there.
    await t.db
      .updateTable("oauth_server_models")
      .set({ sealed_payload: two?.sealed_payload })
      .where("model", "=", "AccessToken")
      .where("id_hash", "=", one?.id_hash as string)
      .execute();
    await expect(tokens.find("token-one")).rejects.toThrow();
  });
});
