import path from "node:path";
import { getDatabase } from "@/db";
import { getAuthSecret, getKeyring } from "@/lib/app-secrets";
import { getEnv } from "@/lib/env";
import { getLogger } from "@/lib/log";
import { AdvisoryLockLeader, soleLeader } from "./leader";
import { Orchestrator } from "./orchestrator";
import { ProcessRuntime } from "./process-runtime";
import type { Runtime } from "./types";

export type { Orchestrator } from "./orchestrator";

/** True when the environment points the orchestrator at a Kubernetes cluster. */
export function kubernetesConfigured(): boolean {
  const env = getEnv();
  return (
    Boolean(env.ARCHESTRA_ORCHESTRATOR_KUBECONFIG) || env.ARCHESTRA_ORCHESTRATOR_LOAD_KUBECONFIG_FROM_CURRENT_CLUSTER
  );
}

async function createRuntime(): Promise<Runtime> {
  const env = getEnv();
  if (kubernetesConfigured()) {
    const { createKubernetesRuntime } = await import("./kubernetes-runtime");
    return createKubernetesRuntime({
      kubeconfigPath: env.ARCHESTRA_ORCHESTRATOR_KUBECONFIG,
      inCluster: env.ARCHESTRA_ORCHESTRATOR_LOAD_KUBECONFIG_FROM_CURRENT_CLUSTER,
      namespace: env.ARCHESTRA_ORCHESTRATOR_K8S_NAMESPACE,
      baseImage: env.ARCHESTRA_ORCHESTRATOR_MCP_SERVER_BASE_IMAGE,
    });
  }
  const runtime = new ProcessRuntime({
    workDir: path.join(env.dataDir, "instances"),
    inheritEnv: process.env,
    sandbox: env.ARCHESTRA_ORCHESTRATOR_SANDBOX,
    hidePaths: [env.dataDir],
  });
  const isolation = await runtime.isolation();
  if (isolation.warning) getLogger().warn({ sandbox: isolation.mode }, `orchestrator: ${isolation.warning}`);
  else getLogger().info({ sandbox: isolation.mode }, `orchestrator: local servers run sandboxed (${isolation.mode})`);
  return runtime;
}

const KEY = Symbol.for("mcp-orchestrator.orchestrator");
type OrchestratorGlobal = typeof globalThis & { [KEY]?: Promise<Orchestrator> };

/**
 * The process's orchestrator, created on first use and shared by every server entry
 * (instrumentation, route handlers, server actions) through globalThis.
 */
export function getOrchestrator(): Promise<Orchestrator> {
  const g = globalThis as OrchestratorGlobal;
  g[KEY] ??= (async () => {
    const env = getEnv();
    const { db } = getDatabase();
    const runtime = await createRuntime();
    const orchestrator = new Orchestrator({
      db,
      runtime,
      keyring: getKeyring(),
      leader: env.DATABASE_URL ? new AdvisoryLockLeader(env.DATABASE_URL) : soleLeader,
      log: getLogger().child({ component: "orchestrator" }),
      reconcileIntervalMs: env.ARCHESTRA_ORCHESTRATOR_RECONCILE_INTERVAL_SECONDS * 1000,
      startTimeoutMs: env.ARCHESTRA_ORCHESTRATOR_START_TIMEOUT_SECONDS * 1000,
      replica: env.ARCHESTRA_REPLICA_URL ? { url: env.ARCHESTRA_REPLICA_URL, secret: getAuthSecret() } : undefined,
    });
    getLogger().info(
      { runtime: runtime.kind },
      runtime.kind === "process"
        ? "orchestrator: running MCP servers as local processes (single-machine mode)"
        : "orchestrator: running MCP servers as Kubernetes pods",
    );
    return orchestrator;
  })();
  return g[KEY];
}
