import { execFileSync } from "node:child_process";
import path from "node:path";
import { AppsV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { RECONCILER_LOCK_KEY } from "@/lib/orchestrator/leader";
import { callApi, expectOneMemoryServer, gatewayClient, toolsDiscovered } from "./replica-support";

// The app in the cluster: its own image (built from this checkout, imported into the local
// cluster's containerd), installed with the Helm chart in deploy/helm as a Deployment of two
// replicas on this machine's PostgreSQL, using in-cluster configuration (its ServiceAccount's
// token, the `kubernetes` Service). A gateway call through either replica reaches the one pod the
// leading replica's orchestrator created.
const helm = process.env.TEST_HELM;
const adminKubeconfig = process.env.TEST_KUBE_ADMIN_KUBECONFIG;
const databaseUrl = process.env.TEST_KUBE_DATABASE_URL;
const baseImage = process.env.TEST_K8S_BASE_IMAGE;
const CHART = path.resolve("deploy/helm/mcp-orchestrator");
const RELEASE = "e2e";
const NAMESPACE = "mcp-helm";
const MCP_NAMESPACE = "mcp-helm-servers";

test.skip(
  !helm || !adminKubeconfig || !databaseUrl || !baseImage,
  "no local cluster, or no database its pods reach: .ci/run starts both (scripts/kube-local.sh up; TEST_KUBE_DATABASE_URL)",
);

const run = (file: string, args: string[]) =>
  execFileSync(file, args, {
    encoding: "utf8",
    env: { ...process.env, KUBECONFIG: adminKubeconfig },
    stdio: ["ignore", "pipe", "pipe"],
  });

test("the chart passes helm lint, its templates and a server-side dry run", () => {
  const out = run("bash", ["deploy/helm/check.sh", helm as string, adminKubeconfig as string]);
  expect(out).toContain("server-side dry run");
});

test("installed with the chart, two replicas in the cluster serve one gateway whose calls reach the pod the leader made", async () => {
  test.setTimeout(600_000);
  const kc = new KubeConfig();
  kc.loadFromFile(adminKubeconfig as string);
  const core = kc.makeApiClient(CoreV1Api);

  run("bash", ["scripts/kube-local.sh", "app-image"]);

  const schema = `helm_${Date.now()}`;
  const db = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL ?? databaseUrl });
  await db.connect();
  const url = new URL(databaseUrl as string);
  url.searchParams.set("options", `-c search_path=${schema}`);
  try {
    await db.query(`create schema ${schema}`);
    await core.createNamespace({
      body: {
        metadata: {
          name: NAMESPACE,
          labels: { "pod-security.kubernetes.io/enforce": "restricted" },
        },
      },
    });
    run(helm as string, [
      "install",
      RELEASE,
      CHART,
      "--namespace",
      NAMESPACE,
      "--wait",
      "--timeout",
      "5m",
      "--set",
      "image.repository=mcp-orchestrator",
      "--set",
      "image.tag=local",
      "--set",
      "image.pullPolicy=Never",
      "--set",
      `secrets.databaseUrl=${url}`,
      "--set",
      `secrets.encryptionKeys=${Buffer.alloc(32, 7).toString("base64")}`,
      "--set",
      `secrets.authSecret=${"h".repeat(40)}`,
      "--set",
      `mcpNamespace=${MCP_NAMESPACE}`,
      "--set",
      "createMcpNamespace=true",
      "--set",
      `mcpServerBaseImage=${baseImage}`,
      "--set",
      "secureCookies=false",
      "--set",
      "extraEnv[0].name=ARCHESTRA_ADMIN_EMAIL",
      "--set",
      "extraEnv[0].value=helm@example.com",
      "--set",
      "extraEnv[1].name=ARCHESTRA_ADMIN_PASSWORD",
      "--set",
      "extraEnv[1].value=helm-password-1",
      "--set",
      "extraEnv[2].name=ARCHESTRA_ORCHESTRATOR_RECONCILE_INTERVAL_SECONDS",
      "--set-string",
      "extraEnv[2].value=1",
    ]);

    const deployment = await kc
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: `${RELEASE}-mcp-orchestrator`, namespace: NAMESPACE });
    expect(deployment.status?.readyReplicas).toBe(2);
    const pods = (
      await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `app.kubernetes.io/instance=${RELEASE}` })
    ).items.filter((p) => p.status?.phase === "Running");
    expect(pods).toHaveLength(2);
    // Each replica on its pod's address: this machine reaches the pods' bridge.
    const bases = pods.map((p) => `http://${p.status?.podIP}:3000`);
    const [a, b] = bases as [string, string];

    const { token } = await callApi(a, "/auth/token", "POST", null, {
      email: "helm@example.com",
      password: "helm-password-1",
    });
    await callApi(a, "/catalog", "POST", token, {
      kind: "local",
      name: "Memory",
      slug: "memory",
      command: "npx",
      args: ["-y", "@modelcontextprotocol/server-memory"],
    });
    await callApi(b, "/catalog/memory/credentials", "POST", token, {});
    await callApi(a, "/gateways", "POST", token, { name: "In cluster", slug: "in-cluster" });
    await callApi(b, "/gateways/in-cluster/assignments", "PUT", token, { assignments: [{ server: "memory" }] });
    const agent = (await callApi(a, "/tokens", "POST", token, { name: "agent" })) as { token: string };
    // The leader (either replica) runs the reconcile loop and creates the pod, in the MCP namespace.
    await expect
      .poll(
        async () =>
          ((await callApi(b, "/instances", "GET", token)) as { instances: { status: string }[] }).instances[0]?.status,
        { timeout: 180_000 },
      )
      .toBe("running");
    await toolsDiscovered(a, token, "memory");
    const mcpPods = (
      await core.listNamespacedPod({
        namespace: MCP_NAMESPACE,
        labelSelector: "app.kubernetes.io/managed-by=mcp-orchestrator",
      })
    ).items;
    expect(mcpPods).toHaveLength(1);

    // Which replica leads (and so created the pod): the one whose session holds the reconcile lock.
    const leaders = (
      await db.query<{ ip: string }>(
        `select host(a.client_addr) as ip from pg_locks l join pg_stat_activity a on a.pid = l.pid
          where l.locktype = 'advisory' and l.granted and l.objid = $1 and a.client_addr <<= $2::inet`,
        [RECONCILER_LOCK_KEY, `${process.env.TEST_KUBE_NODE_IP}/24`],
      )
    ).rows;
    expect(leaders).toHaveLength(1);
    const leaderIp = leaders[0]?.ip;
    expect(pods.map((p) => p.status?.podIP)).toContain(leaderIp);
    // The other replica first: its calls reach a pod it did not create.
    const leader = `http://${leaderIp}:3000`;
    // Written through the replica that did not create the pod, then through the leader, and read
    // through both: one server behind both.
    const clients = await Promise.all(
      [...bases.filter((base) => base !== leader), leader].map((base) =>
        gatewayClient(base, "in-cluster", agent.token),
      ),
    );
    await expectOneMemoryServer(clients);
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
  } finally {
    // Each step on its own, so that a failed install's error is the one reported and the next run
    // starts clean.
    const attempt = async (step: () => unknown) => {
      try {
        await step();
      } catch {}
    };
    await attempt(() =>
      run(helm as string, ["uninstall", RELEASE, "--namespace", NAMESPACE, "--ignore-not-found", "--wait"]),
    );
    for (const name of [MCP_NAMESPACE, NAMESPACE]) await attempt(() => core.deleteNamespace({ name }));
    await attempt(() =>
      expect
        .poll(async () => (await core.listNamespace()).items.filter((n) => n.metadata?.name?.startsWith(NAMESPACE)), {
          timeout: 120_000,
        })
        .toHaveLength(0),
    );
    await attempt(() => db.query(`drop schema if exists ${schema} cascade`));
    await db.end();
  }
});
