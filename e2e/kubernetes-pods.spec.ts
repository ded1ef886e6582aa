import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { expect, test } from "@playwright/test";
import { freePort } from "@/lib/net/free-port";
import { callApi, gatewayClient, toolsDiscovered } from "./replica-support";

// The app with its Kubernetes runtime on a real single-node cluster (scripts/kube-local.sh up: a
// kubelet, containerd and runc): a server installed with an API key runs as a real pod, and a
// gateway reaches it over the pod's stdio attach.
const appKubeconfig = process.env.TEST_KUBE_APP_KUBECONFIG;
const adminKubeconfig = process.env.TEST_KUBE_ADMIN_KUBECONFIG;
const baseImage = process.env.TEST_K8S_BASE_IMAGE;
const NAMESPACE = "mcp";
const SERVER = path.resolve("scripts/server.mjs");

test.skip(
  !appKubeconfig || !adminKubeconfig || !baseImage,
  'no local cluster: run `scripts/kube-local.sh up` and `eval "$(scripts/kube-local.sh env)"` for the real-pod test',
);

const children: ChildProcess[] = [];
test.afterAll(() => {
  for (const c of children) c.kill("SIGTERM");
});

interface Instance {
  id: string;
  name: string;
  status: string;
  restart_count: number;
  last_exit_code: number | null;
  server_slug: string;
}

test("a server installed with an API key runs as a pod; calls go over attach, survive a killed container, and revoking removes the pod and its Secret", async () => {
  test.setTimeout(240_000);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let output = "";
  const app = spawn(process.execPath, [SERVER, "--port", String(port), "--hostname", "127.0.0.1"], {
    env: {
      ...process.env,
      DATABASE_URL: "",
      ARCHESTRA_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "kube-pods-")),
      ARCHESTRA_LOG_LEVEL: "warn",
      ARCHESTRA_ADMIN_EMAIL: "kube@example.com",
      ARCHESTRA_ADMIN_PASSWORD: "kube-password-1",
      ARCHESTRA_ORCHESTRATOR_KUBECONFIG: appKubeconfig as string,
      ARCHESTRA_ORCHESTRATOR_K8S_NAMESPACE: NAMESPACE,
      ARCHESTRA_ORCHESTRATOR_MCP_SERVER_BASE_IMAGE: baseImage as string,
      ARCHESTRA_ORCHESTRATOR_RECONCILE_INTERVAL_SECONDS: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(app);
  for (const stream of [app.stdout, app.stderr]) stream?.on("data", (d) => (output += d));
  await expect
    .poll(
      () =>
        fetch(`${base}/api/ready`).then(
          (r) => r.ok,
          () => false,
        ),
      { timeout: 60_000, message: output },
    )
    .toBe(true);

  const { token } = await callApi(base, "/auth/token", "POST", null, {
    email: "kube@example.com",
    password: "kube-password-1",
  });
  // A command-based server (npx in the base image), with a secret variable asked at install.
  await callApi(base, "/catalog", "POST", token, {
    kind: "local",
    name: "Everything",
    slug: "everything",
    command: "npx",
    args: ["-y", "@modelcontextprotocol/server-everything"],
    env: [{ name: "EVERYTHING_API_KEY", secret: true, required: true }],
  });
  const apiKey = `k8s-key-${crypto.randomUUID()}`;
  const { credential } = await callApi(base, "/catalog/everything/credentials", "POST", token, {
    env: { EVERYTHING_API_KEY: apiKey },
  });
  const instance = async () =>
    ((await callApi(base, "/instances", "GET", token)) as { instances: Instance[] }).instances.find(
      (i) => i.server_slug === "everything",
    );
  await expect.poll(async () => (await instance())?.status, { timeout: 120_000 }).toBe("running");
  await toolsDiscovered(base, token, "everything");
  const { name } = (await instance()) as Instance;

  // The pod is real: scheduled on the node, its container running the server, and the key only
  // in the Secret the pod refers to.
  const kc = new KubeConfig();
  kc.loadFromFile(adminKubeconfig as string);
  const core = kc.makeApiClient(CoreV1Api);
  const pod = await core.readNamespacedPod({ name, namespace: NAMESPACE });
  expect(pod.spec?.nodeName).toBe("kube-local");
  expect(pod.status?.containerStatuses?.[0]?.state?.running).toBeTruthy();
  expect(JSON.stringify(pod)).not.toContain(apiKey);
  const secret = await core.readNamespacedSecret({ name, namespace: NAMESPACE });
  expect(Buffer.from(secret.data?.EVERYTHING_API_KEY ?? "", "base64").toString()).toBe(apiKey);

  await callApi(base, "/gateways", "POST", token, { name: "Cluster", slug: "cluster" });
  await callApi(base, "/gateways/cluster/assignments", "PUT", token, { assignments: [{ server: "everything" }] });
  const agent = (await callApi(base, "/tokens", "POST", token, { name: "agent" })) as { token: string };
  const connect = () => gatewayClient(base, "cluster", agent.token);
  // The server's own environment, read by a tool call through the gateway: the Secret's value,
  // and the pod's writable home.
  const environment = async (client: Client) => {
    const result = await client.callTool({ name: "everything__get-env", arguments: {} });
    const text = (result.content as { type: string; text: string }[])[0]?.text ?? "{}";
    return JSON.parse(text) as Record<string, string>;
  };
  const client = await connect();
  const seen = await environment(client);
  expect(seen.EVERYTHING_API_KEY).toBe(apiKey);
  expect(seen.HOME).toBe("/mcp-instance");
  expect(seen.HOSTNAME).toBe(name);

  // Logs come from the kubelet, through the API server: what the server wrote on stderr.
  await expect
    .poll(
      async () =>
        (
          (await callApi(base, `/instances/${(await instance())?.id}/logs?tail=50`, "GET", token)) as {
            lines: string[];
          }
        ).lines.join("\n"),
      { timeout: 30_000 },
    )
    .toContain("Starting default (STDIO) server");

  // Kill the server's process in its container: the kubelet restarts it, the instance shows the
  // restart, and calls work again.
  const containerId = pod.status?.containerStatuses?.[0]?.containerID?.replace(/^containerd:\/\//, "") ?? "";
  expect(containerId).not.toBe("");
  execFileSync(
    "bash",
    ["scripts/kube-local.sh", "ctr", "-n", "k8s.io", "tasks", "kill", "-s", "SIGKILL", containerId],
    { stdio: "pipe" },
  );
  await expect
    .poll(
      async () => {
        const i = await instance();
        return i && { status: i.status, restarts: i.restart_count, exit: i.last_exit_code };
      },
      { timeout: 120_000 },
    )
    .toEqual({ status: "running", restarts: 1, exit: 137 });
  await expect
    .poll(
      async () => {
        const again = await connect();
        try {
          return (await environment(again)).EVERYTHING_API_KEY;
        } catch {
          return "not yet";
        } finally {
          await again.close().catch(() => {});
        }
      },
      { timeout: 60_000 },
    )
    .toBe(apiKey);
  await client.close().catch(() => {});

  // Revoking the credential removes the pod and its Secret.
  await callApi(base, `/credentials/${credential.id}`, "DELETE", token);
  const gone = async (read: () => Promise<unknown>) =>
    read().then(
      () => false,
      (e: { code?: number }) => e.code === 404,
    );
  await expect
    .poll(
      async () =>
        (await gone(() => core.readNamespacedPod({ name, namespace: NAMESPACE }))) &&
        (await gone(() => core.readNamespacedSecret({ name, namespace: NAMESPACE }))),
      { timeout: 90_000 },
    )
    .toBe(true);
});
