import { describe, expect, it } from "vitest";
import { createGateway } from "@/lib/gateway/create-gateway";
import { userViewer } from "@/lib/gateway/gateway-access";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { makeUser, testKeyring } from "@/test/support/fixtures";
import { recordConnectedApp } from "./gateway-token";
import { authorizationServer } from "./provider";
import { listRegisteredClients, registerClient, removeRegisteredClient } from "./registered-clients";

describe.each(backends)("clients an admin registers, on $name", (backend) => {
  const t = useMigratedDatabase(backend);
  const keyring = testKeyring();
  const server = () =>
    authorizationServer({
      db: t.db,
      keyring,
      authSecret: "test-auth-secret-0123456789abcdef",
      origin: "http://127.0.0.1:4999",
      isGateway: async () => true,
      findPerson: async () => undefined,
    });

  it("an admin registers one that never expires unused; members may not; bad redirect URIs are refused and nothing is kept", async () => {
    const admin = await makeUser(t.db, "admin");
    const member = await makeUser(t.db, "member");
    const provider = server();
    const input = { name: "Internal agent", redirectUris: ["https://agent.corp.example/callback"] };
    await expect(registerClient(provider, t.db, keyring, member, input)).rejects.toMatchObject({ code: "forbidden" });
    for (const redirectUris of [["http://agent.corp.example/callback"], [], ["not a url"]])
      await expect(registerClient(provider, t.db, keyring, admin, { ...input, redirectUris })).rejects.toMatchObject({
        code: "bad_request",
        message: expect.stringMatching(/^redirectUris/),
      });
    expect(await listRegisteredClients(t.db, keyring, admin)).toEqual([]);

    const client = await registerClient(provider, t.db, keyring, admin, input);
    expect(client).toMatchObject({ name: "Internal agent", redirectUris: input.redirectUris });
    expect(await listRegisteredClients(t.db, keyring, admin)).toEqual([client]);
    await expect(listRegisteredClients(t.db, keyring, member)).rejects.toMatchObject({ code: "forbidden" });
    // Another replica finds it, as a public client; its row has no end (registrations by anyone do).
    const found = await server().Client.find(client.clientId);
    expect(found?.clientName).toBe("Internal agent");
    expect(found?.tokenEndpointAuthMethod).toBe("none");
    const row = await t.db
      .selectFrom("oauth_server_models")
      .select("expires_at")
      .where("model", "=", "Client")
      .executeTakeFirst();
    expect(row?.expires_at).toBeNull();
  });

  it("removing one disconnects everyone who connected it, and only its apps", async () => {
    const admin = await makeUser(t.db, "admin");
    const ada = await makeUser(t.db, "member", "ada");
    const gateway = await createGateway(t.db, await userViewer(t.db, admin), { name: unique("g") });
    const provider = server();
    const input = { name: "Agent", redirectUris: ["https://agent.example/cb"] };
    const [one, two] = [
      await registerClient(provider, t.db, keyring, admin, input),
      await registerClient(provider, t.db, keyring, admin, input),
    ];
    const connect = (clientId: string) =>
      recordConnectedApp(t.db, {
        userId: ada.id,
        clientId,
        clientName: "Agent",
        grantId: `grant-${crypto.randomUUID()}`,
        gatewayId: gateway.id,
      });
    const [appOne, appTwo] = [await connect(one?.clientId as string), await connect(two?.clientId as string)];
    await expect(removeRegisteredClient(t.db, ada, one?.clientId as string)).rejects.toMatchObject({
      code: "forbidden",
    });
    await removeRegisteredClient(t.db, admin, one?.clientId as string);
    const revoked = async (id: string) =>
      (await t.db.selectFrom("access_tokens").select("revoked_at").where("id", "=", id).executeTakeFirstOrThrow())
        .revoked_at;
    expect(await revoked(appOne)).toBeInstanceOf(Date);
    expect(await revoked(appTwo)).toBeNull();
    expect(await server().Client.find(one?.clientId as string)).toBeUndefined();
    await expect(removeRegisteredClient(t.db, admin, one?.clientId as string)).rejects.toMatchObject({
      code: "not_found",
    });
  });
});
