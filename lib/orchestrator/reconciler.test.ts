import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it, vi } from "vitest";
import { setDesiredState } from "@/db/queries/instances";
import { backends, useMigratedDatabase } from "@/test/support/database";
import { makeCredential, makeLocalItem, makeUser, testKeyring } from "@/test/support/fixtures";
import { MEMORY_SERVER } from "@/test/support/mcp-servers";
import { soleLeader } from "./leader";
import { Orchestrator } from "./orchestrator";
import { ProcessRuntime } from "./process-runtime";

describe.each(backends)("reconciler with the process runtime on $name", (backend) => {
  const t = useMigratedDatabase(backend);
  const keyring = testKeyring();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "reconcile-"));
  const runtime = new ProcessRuntime({ workDir, inheritEnv: process.env, backoff: { initialMs: 100, maxMs: 500 } });
  let orchestrator: Orchestrator | undefined;
  const get = () => {
    orchestrator ??= new Orchestrator({
      db: t.db,
      runtime,
      keyring,
      leader: soleLeader,
      log: pino({ level: "silent" }),
      reconcileIntervalMs: 60_000,
      startTimeoutMs: 10_000,
    });
    return orchestrator;
  };
  afterAll(async () => {
    await orchestrator?.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  const instanceOf = (credentialId: string) =>
    t.db
      .selectFrom("runtime_instances")
      .selectAll()
      .where("credential_id", "=", credentialId)
      .executeTakeFirstOrThrow();

  it("starts one instance per credential, records running, and serves calls through one shared client", async () => {
    const alice = await makeUser(t.db, "member", "alice");
    const bob = await makeUser(t.db, "member", "bob");
    const item = await makeLocalItem(t.db, {
      ...MEMORY_SERVER,
      envSchema: [{ name: "MEMORY_FILE_PATH", secret: true, required: false, prompt: true }],
    });
    const ca = await makeCredential(t.db, keyring, {
      itemId: item.id,
      ownerUserId: alice.id,
      secret: { env: { MEMORY_FILE_PATH: path.join(workDir, "alice.json") } },
    });
    const cb = await makeCredential(t.db, keyring, {
      itemId: item.id,
      ownerUserId: bob.id,
      secret: { env: { MEMORY_FILE_PATH: path.join(workDir, "bob.json") } },
    });
    await get().reconciler.trigger();
    const [ia, ib] = [await instanceOf(ca.id), await instanceOf(cb.id)];
    expect(ia.name).not.toBe(ib.name);
    expect([ia.status, ib.status]).toEqual(["running", "running"]);

    // Each instance has its own environment: alice's memory is not bob's.
    const clientA = await get().client(ia.id);
    expect(await get().client(ia.id)).toBe(clientA);
    await clientA.callTool({
      name: "create_entities",
      arguments: { entities: [{ name: "Alice-only", entityType: "note", observations: [] }] },
    });
    const graphB = await (await get().client(ib.id)).callTool({ name: "read_graph", arguments: {} });
    expect(JSON.stringify(graphB.content)).not.toContain("Alice-only");

    // Concurrent calls share the connection.
    const results = await Promise.all(
      Array.from({ length: 20 }, () => clientA.callTool({ name: "read_graph", arguments: {} })),
    );
    expect(results.every((r) => JSON.stringify(r.content).includes("Alice-only"))).toBe(true);
  });

  it("a killed instance comes back and the next call succeeds; a revoked credential stops it", async () => {
    const user = await makeUser(t.db);
    const item = await makeLocalItem(t.db, MEMORY_SERVER);
    const credential = await makeCredential(t.db, keyring, { itemId: item.id, ownerUserId: user.id, secret: {} });
    await get().reconciler.trigger();
    const instance = await instanceOf(credential.id);
    const pid = runtime.pid(instance.name) as number;
    process.kill(pid, "SIGKILL");
    const client = await get().client(instance.id);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await get().reconciler.trigger();
    expect((await instanceOf(credential.id)).restart_count).toBe(1);

    await t.db.updateTable("credentials").set({ status: "revoked" }).where("id", "=", credential.id).execute();
    await get().reconciler.trigger();
    const stopped = await instanceOf(credential.id);
    expect(stopped).toMatchObject({ status: "stopped", status_reason: "the credential was revoked" });
    expect(runtime.pid(instance.name)).toBeUndefined();
    expect(() => process.kill(pid, 0)).toThrow();
    await expect(get().client(instance.id)).rejects.toThrow(/stopped \(start it again on the Servers page\)/);
  });

  it("warm calls take the open connection without asking the runtime; once it closes, the next call checks again", async () => {
    const user = await makeUser(t.db);
    const item = await makeLocalItem(t.db, MEMORY_SERVER);
    const credential = await makeCredential(t.db, keyring, { itemId: item.id, ownerUserId: user.id, secret: {} });
    await get().reconciler.trigger();
    const instance = await instanceOf(credential.id);
    const first = await get().client(instance.id);
    const list = vi.spyOn(runtime, "list");
    try {
      for (let i = 0; i < 5; i++) expect(await get().client(instance.id)).toBe(first);
      expect(list).not.toHaveBeenCalled();

      await first.close();
      await new Promise((r) => setImmediate(r));
      const second = await get().client(instance.id);
      expect(second).not.toBe(first);
      expect(list).toHaveBeenCalled();
      expect((await second.listTools()).tools.length).toBeGreaterThan(0);
    } finally {
      list.mockRestore();
    }
  });

  it("a stopped instance is not started by a call; starting it again works", async () => {
    const user = await makeUser(t.db);
    const item = await makeLocalItem(t.db, MEMORY_SERVER);
    const credential = await makeCredential(t.db, keyring, { itemId: item.id, ownerUserId: user.id, secret: {} });
    await get().reconciler.trigger();
    const instance = await instanceOf(credential.id);
    await setDesiredState(t.db, instance.id, "stopped");
    await get().reconciler.trigger();
    expect((await instanceOf(credential.id)).status).toBe("stopped");
    await setDesiredState(t.db, instance.id, "running");
    const client = await get().client(instance.id);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });

  it("reports a missing command as failed, and a credential it cannot decrypt as failed", async () => {
    const user = await makeUser(t.db);
    const broken = await makeLocalItem(t.db, { command: "no-such-mcp-command", args: [] });
    const c1 = await makeCredential(t.db, keyring, { itemId: broken.id, ownerUserId: user.id, secret: {} });
    const item = await makeLocalItem(t.db, MEMORY_SERVER);
    const c2 = await makeCredential(t.db, testKeyring(), { itemId: item.id, ownerUserId: user.id, secret: {} });
    await get().reconciler.trigger();
    expect(await instanceOf(c1.id)).toMatchObject({
      status: "failed",
      status_reason: expect.stringContaining("command not found"),
    });
    expect(await instanceOf(c2.id)).toMatchObject({
      status: "failed",
      status_reason: expect.stringContaining("cannot be decrypted"),
    });
    await expect(get().client((await instanceOf(c1.id)).id)).rejects.toThrow(/failed to start.*command not found/);
  });
});
