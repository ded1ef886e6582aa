import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestApiServer, type TestApiServer } from "@/test/kube-api/server";
import { backends, useMigratedDatabase } from "@/test/support/database";
import { makeCredential, makeLocalItem, makeUser, testKeyring } from "@/test/support/fixtures";
import { MEMORY_SERVER } from "@/test/support/mcp-servers";
import { createKubernetesRuntime } from "./kubernetes-runtime";
import { soleLeader } from "./leader";
import { Orchestrator } from "./orchestrator";

describe.each(backends)("reconciler with the Kubernetes runtime (test API server) on $name", (backend) => {
  const t = useMigratedDatabase(backend);
  const keyring = testKeyring();
  let server: TestApiServer;
  let kc: KubeConfig;
  let orchestrator: Orchestrator;
  beforeAll(async () => {
    server = await startTestApiServer();
    kc = new KubeConfig();
    kc.loadFromFile(server.writeKubeconfig(fs.mkdtempSync(path.join(os.tmpdir(), "kube-"))));
    orchestrator = new Orchestrator({
      db: t.db,
      runtime: createKubernetesRuntime({
        kubeConfig: kc,
        inCluster: false,
        namespace: "default",
        baseImage: "node:22-bookworm-slim",
      }),
      keyring,
      leader: soleLeader,
      log: pino({ level: "silent" }),
      reconcileIntervalMs: 60_000,
      startTimeoutMs: 20_000,
    });
  });
  afterAll(async () => {
    await orchestrator.close();
    await server.close();
  });

  const instanceOf = (credentialId: string) =>
    t.db
      .selectFrom("runtime_instances")
      .selectAll()
      .where("credential_id", "=", credentialId)
      .executeTakeFirstOrThrow();

  it("two credentials get two pods with their own Secrets; a killed container comes back; revoking removes pod and Secret", async () => {
    const alice = await makeUser(t.db, "member", "alice");
    const bob = await makeUser(t.db, "member", "bob");
    const item = await makeLocalItem(t.db, {
      ...MEMORY_SERVER,
      envSchema: [{ name: "API_TOKEN", secret: true, required: true, prompt: true }],
    });
    const ca = await makeCredential(t.db, keyring, {
      itemId: item.id,
      ownerUserId: alice.id,
      secret: { env: { API_TOKEN: "alice-token" } },
    });
    const cb = await makeCredential(t.db, keyring, {
      itemId: item.id,
      ownerUserId: bob.id,
      secret: { env: { API_TOKEN: "bob-token" } },
    });
    await orchestrator.reconciler.trigger();
    const ia = await instanceOf(ca.id);
    const ib = await instanceOf(cb.id);
    expect(ia.runtime).toBe("kubernetes");
    const api = kc.makeApiClient(CoreV1Api);
    const secretOf = async (name: string) =>
      Buffer.from(
        (await api.readNamespacedSecret({ name, namespace: "default" })).data?.API_TOKEN ?? "",
        "base64",
      ).toString();
    expect([await secretOf(ia.name), await secretOf(ib.name)]).toEqual(["alice-token", "bob-token"]);

    // The first call waits for the pod to run, then talks over attach.
    const client = await orchestrator.client(ia.id);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    // Warm calls take the open connection: no pod listing (API requests) per call.
    const list = vi.spyOn(orchestrator.runtime, "list");
    for (let i = 0; i < 3; i++) expect(await orchestrator.client(ia.id)).toBe(client);
    expect(list).not.toHaveBeenCalled();
    list.mockRestore();
    await orchestrator.reconciler.trigger();
    expect((await instanceOf(ca.id)).status).toBe("running");

    server.killContainer("default", ia.name);
    for (let i = 0; i < 100 && (await instanceOf(ca.id)).restart_count < 1; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await orchestrator.reconciler.trigger();
    }
    expect(await instanceOf(ca.id)).toMatchObject({ restart_count: 1 });
    const again = await orchestrator.client(ia.id);
    expect((await again.listTools()).tools.length).toBeGreaterThan(0);

    await t.db.updateTable("credentials").set({ status: "revoked" }).where("id", "=", cb.id).execute();
    await orchestrator.reconciler.trigger();
    expect(await instanceOf(cb.id)).toMatchObject({ status: "stopped", status_reason: "the credential was revoked" });
    await expect(api.readNamespacedPod({ name: ib.name, namespace: "default" })).rejects.toMatchObject({ code: 404 });
    await expect(api.readNamespacedSecret({ name: ib.name, namespace: "default" })).rejects.toMatchObject({
      code: 404,
    });
  });
});
