import { KubeConfig } from "@kubernetes/client-node";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, useMigratedDatabase } from "@/test/support/database";
import { makeCredential, makeLocalItem, makeUser, testKeyring } from "@/test/support/fixtures";
import { createKubernetesRuntime } from "./kubernetes-runtime";
import { soleLeader } from "./leader";
import { Orchestrator } from "./orchestrator";

/** A kubeconfig whose API server does not exist (nothing listens on that port). */
function unreachableKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "gone", server: "http://127.0.0.1:9", skipTLSVerify: true }],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "gone", cluster: "gone", user: "u" }],
    currentContext: "gone",
  });
  return kc;
}

describe.each(backends)("Kubernetes API unreachable on $name", (backend) => {
  const t = useMigratedDatabase(backend);
  const keyring = testKeyring();
  const runtime = createKubernetesRuntime({
    kubeConfig: unreachableKubeConfig(),
    inCluster: false,
    namespace: "default",
    baseImage: "node:22-bookworm-slim",
  });
  let orchestrator: Orchestrator;
  beforeAll(() => {
    orchestrator = new Orchestrator({
      db: t.db,
      runtime,
      keyring,
      leader: soleLeader,
      log: pino({ level: "silent" }),
      reconcileIntervalMs: 60_000,
      startTimeoutMs: 30_000,
    });
  });
  afterAll(() => orchestrator.close());

  it("says the orchestrator is unavailable, records it on each instance, and fails calls fast", async () => {
    const user = await makeUser(t.db);
    const item = await makeLocalItem(t.db, { command: "npx", args: ["-y", "@modelcontextprotocol/server-memory"] });
    const credential = await makeCredential(t.db, keyring, { itemId: item.id, ownerUserId: user.id, secret: {} });
    await orchestrator.reconciler.trigger();
    expect(orchestrator.reconciler.unavailable).toMatch(/cannot reach the Kubernetes API while listing pods/);
    const row = await t.db
      .selectFrom("runtime_instances")
      .selectAll()
      .where("credential_id", "=", credential.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "failed", status_reason: expect.stringMatching(/cannot reach its runtime/) });
    const started = Date.now();
    await expect(orchestrator.client(row.id)).rejects.toThrow(/cannot reach/);
    // Fails at once rather than waiting out the 30-second start timeout.
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
