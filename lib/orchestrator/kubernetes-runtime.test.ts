import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SEED_ENTRIES } from "@/lib/registry/seed-catalog";
import { startTestApiServer, type TestApiServer, UNSCHEDULABLE_LABEL } from "@/test/kube-api/server";
import { MEMORY_SERVER } from "@/test/support/mcp-servers";
import { buildInstanceSpec } from "./build-spec";
import { createKubernetesRuntime, type KubernetesRuntime } from "./kubernetes-runtime";
import type { InstanceSpec } from "./types";

/**
 * The Kubernetes runtime against the protocol-level test API server, always; and against a
 * real cluster when TEST_KUBECONFIG names a kubeconfig (TEST_K8S_NAMESPACE, default "default").
 */
interface Target {
  name: string;
  setup(): Promise<{
    kc: KubeConfig;
    namespace: string;
    baseImage: string;
    command: string[];
    /** Kills the server's process in the pod's container (the id is the container runtime's). */
    kill?: (pod: string, containerId: string) => void;
    close(): Promise<void>;
  }>;
}

const targets: Target[] = [
  {
    name: "the test API server",
    async setup() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-"));
      const server: TestApiServer = await startTestApiServer({ pullable: (image) => !image.includes("invalid") });
      const kc = new KubeConfig();
      kc.loadFromFile(server.writeKubeconfig(dir));
      return {
        kc,
        namespace: "default",
        baseImage: "node:22-bookworm-slim",
        command: [MEMORY_SERVER.command],
        kill: (pod) => server.killContainer("default", pod),
        close: () => server.close(),
      };
    },
  },
];
if (process.env.TEST_KUBECONFIG) {
  targets.push({
    name: "the cluster in TEST_KUBECONFIG",
    async setup() {
      const kc = new KubeConfig();
      kc.loadFromFile(process.env.TEST_KUBECONFIG as string);
      return {
        kc,
        namespace: process.env.TEST_K8S_NAMESPACE ?? "default",
        baseImage: process.env.TEST_K8S_BASE_IMAGE ?? "node:22-bookworm-slim",
        command: ["npx", "-y", "@modelcontextprotocol/server-memory"],
        // On scripts/kube-local.sh's cluster, containerd's own client kills a container's process.
        kill: process.env.TEST_KUBE_LOCAL
          ? (_pod, containerId) =>
              execFileSync("bash", [
                "scripts/kube-local.sh",
                "ctr",
                "-n",
                "k8s.io",
                "tasks",
                "kill",
                "-s",
                "SIGKILL",
                containerId,
              ])
          : undefined,
        close: async () => {},
      };
    },
  });
  // A real pod starts its server with npx, and a deleted one takes its grace period to go.
  vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });
} else {
  console.warn("TEST_KUBECONFIG not set: the Kubernetes runtime suite runs against the test API server only.");
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(targets)("Kubernetes runtime on $name", (target) => {
  let env: Awaited<ReturnType<Target["setup"]>>;
  let runtime: KubernetesRuntime;
  const made: string[] = [];
  beforeAll(async () => {
    env = await target.setup();
    runtime = createKubernetesRuntime({
      kubeConfig: env.kc,
      inCluster: false,
      namespace: env.namespace,
      baseImage: env.baseImage,
      deleteTimeoutMs: 60_000,
    });
  });
  afterAll(async () => {
    for (const name of made) await runtime.remove(name).catch(() => {});
    await env.close();
  });

  const spec = (
    slug: string,
    secret: string,
    over: Partial<Parameters<typeof buildInstanceSpec>[0]["item"]> = {},
  ): InstanceSpec => {
    const [command, ...args] = env.command;
    const s = buildInstanceSpec({
      instanceId: crypto.randomUUID(),
      item: {
        id: crypto.randomUUID(),
        slug,
        command: command ?? null,
        args,
        image: null,
        image_pull_secret: null,
        transport: "stdio",
        http_port: null,
        http_path: null,
        env_schema: [{ name: "API_TOKEN", secret: true, required: true, prompt: true }],
        ...over,
      },
      credentialId: crypto.randomUUID(),
      secret: { env: { API_TOKEN: secret } },
    });
    made.push(s.name);
    return s;
  };
  const observed = async (name: string) => (await runtime.list()).find((o) => o.name === name);

  it("runs a server as a pod whose credential is only in its Secret, and talks MCP over attach", async () => {
    const s = spec("Memory Ünïcode Server With A Very Long Name That Goes On And On And On", "tok-alpha-1");
    await runtime.ensure(s);
    const running = await until(
      () => observed(s.name),
      (o) => o?.status === "running",
    );
    expect(running).toMatchObject({ status: "running", specHash: s.specHash, instanceId: s.instanceId });
    expect(s.name.length).toBeLessThanOrEqual(63);

    const { CoreV1Api } = await import("@kubernetes/client-node");
    const api = env.kc.makeApiClient(CoreV1Api);
    const pod = await api.readNamespacedPod({ name: s.name, namespace: env.namespace });
    expect(JSON.stringify(pod.spec)).not.toContain("tok-alpha-1");
    expect(pod.spec?.containers[0]?.envFrom).toEqual([{ secretRef: { name: s.name } }]);
    const secret = await api.readNamespacedSecret({ name: s.name, namespace: env.namespace });
    expect(Buffer.from(secret.data?.API_TOKEN ?? "", "base64").toString()).toBe("tok-alpha-1");
    expect(pod.metadata?.labels?.["app.kubernetes.io/managed-by"]).toBe("mcp-orchestrator");

    const client = new Client({ name: "test", version: "1" });
    await client.connect(await runtime.connect(s));
    expect((await client.listTools()).tools.map((t) => t.name)).toContain("read_graph");
    await client.callTool({
      name: "create_entities",
      arguments: { entities: [{ name: "pod-note", entityType: "note", observations: [] }] },
    });
    const graph = await client.callTool({ name: "read_graph", arguments: {} });
    expect(JSON.stringify(graph.content)).toContain("pod-note");
    await client.close();

    const logs = await runtime.logs(s.name, 50);
    expect(logs.join("\n")).not.toContain("tok-alpha-1");
    expect(logs.join("\n")).toContain("Knowledge Graph MCP Server running on stdio");
    expect(logs.join("\n")).not.toContain("pod-note"); // protocol traffic is not shown as logs
    // On a real cluster the pod goes once the kubelet has stopped it.
    await runtime.remove(s.name);
    const status = (read: Promise<unknown>) =>
      read.then(
        () => 200,
        (e: { code?: number }) => e.code,
      );
    await expect
      .poll(() => status(api.readNamespacedPod({ name: s.name, namespace: env.namespace })), { timeout: 30_000 })
      .toBe(404);
    expect(await status(api.readNamespacedSecret({ name: s.name, namespace: env.namespace }))).toBe(404);
  });

  it.runIf(target.name === "the test API server" || process.env.TEST_KUBE_LOCAL)(
    "a crashed container restarts with the count, and a new connection works",
    async () => {
      const s = spec("memory-crash", "tok-2");
      await runtime.ensure(s);
      await until(
        () => observed(s.name),
        (o) => o?.status === "running",
      );
      const { CoreV1Api } = await import("@kubernetes/client-node");
      const pod = await env.kc.makeApiClient(CoreV1Api).readNamespacedPod({ name: s.name, namespace: env.namespace });
      env.kill?.(s.name, pod.status?.containerStatuses?.[0]?.containerID?.replace(/^\w+:\/\//, "") ?? "");
      const back = await until(
        () => observed(s.name),
        (o) => o?.status === "running" && o.restartCount === 1,
      );
      expect(back).toMatchObject({ status: "running", restartCount: 1, lastExitCode: 137 });
      const client = new Client({ name: "test", version: "1" });
      await client.connect(await runtime.connect(s));
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
      await client.close();
    },
  );

  // A Python server in the base image's uvx (the local cluster's test image has it cached: pods
  // reach no registry).
  it.runIf(process.env.TEST_KUBE_LOCAL && target.name !== "the test API server")(
    "runs the seeded Fetch entry (uvx mcp-server-fetch) in a pod and lists its tools",
    async () => {
      const fetchEntry = SEED_ENTRIES.find((e) => e.slug === "fetch") as { command: string; args: string[] };
      const s = spec("fetch", "tok-fetch", { command: fetchEntry.command, args: fetchEntry.args });
      await runtime.ensure(s);
      await until(
        () => observed(s.name),
        (o) => o?.status === "running",
      );
      const client = new Client({ name: "test", version: "1" });
      await client.connect(await runtime.connect(s));
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toEqual(["fetch"]);
      await client.close();
    },
  );

  it("a changed credential replaces the pod and updates its Secret", async () => {
    const s = spec("memory-change", "tok-old");
    await runtime.ensure(s);
    await until(
      () => observed(s.name),
      (o) => o?.status === "running",
    );
    const changed = buildInstanceSpec({
      instanceId: s.instanceId,
      item: {
        id: s.serverId,
        slug: s.serverSlug,
        command: s.command,
        args: s.args,
        image: null,
        image_pull_secret: null,
        transport: "stdio",
        http_port: null,
        http_path: null,
        env_schema: [{ name: "API_TOKEN", secret: true, required: true, prompt: true }],
      },
      credentialId: s.credentialId,
      secret: { env: { API_TOKEN: "tok-new" } },
    });
    expect(changed.name).toBe(s.name);
    await runtime.ensure(changed);
    const o = await until(
      () => observed(s.name),
      (v) => v?.status === "running" && v.specHash === changed.specHash,
    );
    expect(o?.specHash).toBe(changed.specHash);
    const { CoreV1Api } = await import("@kubernetes/client-node");
    const secret = await env.kc
      .makeApiClient(CoreV1Api)
      .readNamespacedSecret({ name: s.name, namespace: env.namespace });
    expect(Buffer.from(secret.data?.API_TOKEN ?? "", "base64").toString()).toBe("tok-new");
  });

  it("logs never show the credential's values, also JSON-escaped or URL-encoded", async () => {
    const s = spec("chatty", 'tok-"leaky"-5$', {
      command: "node",
      args: [
        "-e",
        "const t = process.env.API_TOKEN; console.error('token is ' + t); console.error('as json ' + JSON.stringify(t)); console.error('as url ' + encodeURIComponent(t)); setInterval(() => {}, 1000)",
      ],
    });
    await runtime.ensure(s);
    const logs = await until(
      () => runtime.logs(s.name, 20),
      (l) => l.some((x) => x.startsWith("as url")),
    );
    expect(logs).toEqual(expect.arrayContaining(["token is [redacted]", 'as json "[redacted]"', "as url [redacted]"]));
    expect(logs.join("\n")).not.toContain("leaky");
  });

  it.runIf(target.name === "the test API server")(
    "a pod not yet on a node has no logs (the API server's empty answer is not an error)",
    async () => {
      const { CoreV1Api } = await import("@kubernetes/client-node");
      const name = `pending-${Date.now()}`;
      await env.kc.makeApiClient(CoreV1Api).createNamespacedPod({
        namespace: env.namespace,
        body: {
          metadata: { name },
          spec: { nodeSelector: { [UNSCHEDULABLE_LABEL]: "yes" }, containers: [{ name: "mcp", image: "any" }] },
        },
      });
      made.push(name);
      expect(await runtime.logs(name, 10)).toEqual([]);
    },
  );

  it("an image that cannot be pulled is reported as failed with the reason", async () => {
    const s = spec("broken-image", "tok-3", { command: null, args: [], image: "127.0.0.1:9/invalid/nope:1" });
    await runtime.ensure(s);
    const o = await until(
      () => observed(s.name),
      (v) => v?.status === "failed",
    );
    expect(o?.status).toBe("failed");
    expect(o?.reason).toMatch(/the image cannot be pulled \((ErrImagePull|ImagePullBackOff)\)/);
  });

  it("the API server rejects what it would reject in a real cluster (and the runtime says why)", async () => {
    const bad = { ...spec("ok", "tok-4"), name: "Bad_Name" };
    await expect(runtime.ensure(bad)).rejects.toThrow(/Kubernetes refused creating instance Bad_Name \(HTTP 422\)/);
  });
});
