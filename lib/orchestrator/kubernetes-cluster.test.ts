import fs from "node:fs";
import path from "node:path";
import {
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  loadAllYaml,
  PatchStrategy,
  Watch,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildInstanceSpec } from "./build-spec";
import { createKubernetesRuntime, type KubernetesRuntime } from "./kubernetes-runtime";
import { SPEC_HASH_ANNOTATION } from "./pod-manifest";

/**
 * The Kubernetes runtime against a real API server (kube-apiserver and etcd built from their Go
 * modules by scripts/kube-local.sh, which `.ci/run` starts): real validation and admission (Pod
 * Security "restricted" on the namespace), the RBAC of deploy/kubernetes (the runtime acts with
 * the app's ServiceAccount token), and watches. Its kubelet runs the pods; what they do is the
 * business of kubernetes-runtime.test.ts (the same cluster as TEST_KUBECONFIG) and
 * e2e/kubernetes-pods.spec.ts.
 */
const appKubeconfig = process.env.TEST_KUBE_APP_KUBECONFIG;
const adminKubeconfig = process.env.TEST_KUBE_ADMIN_KUBECONFIG;
if (!appKubeconfig || !adminKubeconfig)
  console.warn(
    'TEST_KUBE_APP_KUBECONFIG is not set: the suite against a real Kubernetes API server is skipped (start one with scripts/kube-local.sh up, then eval "$(scripts/kube-local.sh env)").',
  );

const NAMESPACE = "mcp";
const load = (file: string) => {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
};

const item = (slug: string, transport: "stdio" | "http") => ({
  id: crypto.randomUUID(),
  slug,
  command: "npx",
  args: ["-y", "@modelcontextprotocol/server-memory"],
  image: null,
  image_pull_secret: null,
  transport,
  http_port: transport === "stdio" ? null : 3000,
  http_path: transport === "stdio" ? null : "/mcp",
  env_schema: [{ name: "API_KEY", secret: true, required: true, prompt: true }],
});
const specOf = (slug: string, transport: "stdio" | "http", key: string) =>
  buildInstanceSpec({
    instanceId: crypto.randomUUID(),
    item: item(slug, transport),
    credentialId: crypto.randomUUID(),
    secret: { env: { API_KEY: key } },
  });

/** An error's HTTP status and message, as the client library reports them. */
const failure = async (work: Promise<unknown>) => {
  try {
    await work;
    return null;
  } catch (err) {
    const e = err as { code?: number; body?: string; message?: string };
    return { code: e.code, message: String(e.body ?? e.message) };
  }
};

describe.skipIf(!appKubeconfig || !adminKubeconfig)("Kubernetes runtime on a real API server", () => {
  let app: KubeConfig;
  let admin: KubeConfig;
  let runtime: KubernetesRuntime;
  const made: string[] = [];

  beforeAll(() => {
    app = load(appKubeconfig as string);
    admin = load(adminKubeconfig as string);
    runtime = createKubernetesRuntime({
      kubeConfig: app,
      inCluster: false,
      namespace: NAMESPACE,
      baseImage: process.env.TEST_K8S_BASE_IMAGE ?? "node:22-bookworm-slim",
      deleteTimeoutMs: 30_000,
    });
  });
  afterAll(async () => {
    for (const name of made) await runtime?.remove(name).catch(() => {});
  });

  it("creates, replaces and removes instances as the app's ServiceAccount; Pod Security 'restricted' admits its pods", async () => {
    const core = app.makeApiClient(CoreV1Api);
    const stdio = specOf(`cluster-stdio-${Date.now()}`, "stdio", "key-one-secret");
    const http = specOf(`cluster-http-${Date.now()}`, "http", "key-two-secret");
    made.push(stdio.name, http.name);
    await runtime.ensure(stdio);
    await runtime.ensure(http);

    const pod = await core.readNamespacedPod({ name: stdio.name, namespace: NAMESPACE });
    expect(pod.metadata?.annotations?.[SPEC_HASH_ANNOTATION]).toBe(stdio.specHash);
    expect(JSON.stringify(pod.spec)).not.toContain("key-one-secret");
    const secret = await core.readNamespacedSecret({ name: stdio.name, namespace: NAMESPACE });
    expect(Buffer.from(secret.data?.API_KEY ?? "", "base64").toString()).toBe("key-one-secret");
    expect((await core.readNamespacedService({ name: http.name, namespace: NAMESPACE })).spec?.ports?.[0]?.port).toBe(
      3000,
    );
    const listed = await runtime.list();
    expect(listed.map((o) => o.name)).toEqual(expect.arrayContaining([stdio.name, http.name]));

    // The same spec again changes nothing; a changed credential replaces the Secret and the pod.
    const uid = pod.metadata?.uid;
    await runtime.ensure(stdio);
    expect((await core.readNamespacedPod({ name: stdio.name, namespace: NAMESPACE })).metadata?.uid).toBe(uid);
    const changed = { ...stdio, secretEnv: { API_KEY: "key-one-rotated" }, specHash: `${stdio.specHash}-rotated` };
    await runtime.ensure(changed);
    const replaced = await core.readNamespacedPod({ name: stdio.name, namespace: NAMESPACE });
    expect(replaced.metadata?.uid).not.toBe(uid);
    expect(replaced.metadata?.annotations?.[SPEC_HASH_ANNOTATION]).toBe(changed.specHash);
    const rotated = await core.readNamespacedSecret({ name: stdio.name, namespace: NAMESPACE });
    expect(Buffer.from(rotated.data?.API_KEY ?? "", "base64").toString()).toBe("key-one-rotated");

    // Removal is asynchronous: the kubelet stops the containers (a grace of 5 s), then the pods go.
    await runtime.remove(stdio.name);
    await runtime.remove(http.name);
    for (const read of [
      () => core.readNamespacedPod({ name: stdio.name, namespace: NAMESPACE }),
      () => core.readNamespacedPod({ name: http.name, namespace: NAMESPACE }),
      () => core.readNamespacedSecret({ name: stdio.name, namespace: NAMESPACE }),
      () => core.readNamespacedService({ name: http.name, namespace: NAMESPACE }),
    ])
      await expect.poll(async () => (await failure(read()))?.code, { timeout: 30_000, interval: 250 }).toBe(404);
  }, 90_000);

  it("an image that was not imported into the node is refused there, not pulled from a registry", async () => {
    const spec = { ...specOf(`not-imported-${Date.now()}`, "stdio", "key-image"), image: "node:22-bookworm-slim" };
    made.push(spec.name);
    await runtime.ensure(spec);
    const core = admin.makeApiClient(CoreV1Api);
    const waiting = async () =>
      (await core.readNamespacedPod({ name: spec.name, namespace: NAMESPACE })).status?.containerStatuses?.[0]?.state
        ?.waiting;
    await expect
      .poll(async () => (await waiting())?.reason, { timeout: 30_000 })
      .toMatch(/ErrImagePull|ImagePullBackOff/);
    // The kubelet's events say why: every registry is a closed port on this machine.
    const events = await core.listNamespacedEvent({
      namespace: NAMESPACE,
      fieldSelector: `involvedObject.name=${spec.name}`,
    });
    expect(events.items.map((e) => e.message).join("\n")).toContain("127.0.0.1:9");
    await runtime.remove(spec.name);
  });

  it("a pod reaches this machine only on the API server's port: the kubelet's is closed to it", async () => {
    const core = admin.makeApiClient(CoreV1Api);
    const [node] = (await core.listNode()).items;
    const host = node?.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
    const kubelet = node?.status?.daemonEndpoints?.kubeletEndpoint?.Port;
    const apiserver = new URL(admin.getCurrentCluster()?.server ?? "").port;
    // What an MCP server in a pod could try: connect to each port, and say what happened.
    const probe = `const net = require("net");
      for (const [name, port] of [["apiserver", ${apiserver}], ["kubelet", ${kubelet}]]) {
        const s = net.connect({ host: "${host}", port }, () => { console.log(name + ":open"); s.destroy(); });
        s.setTimeout(3000, () => { console.log(name + ":blocked"); s.destroy(); });
        s.on("error", (e) => console.log(name + ":" + e.code));
      }
      setInterval(() => {}, 1000);`;
    const spec = { ...specOf(`probe-${Date.now()}`, "stdio", "key-probe"), command: "node", args: ["-e", probe] };
    made.push(spec.name);
    await runtime.ensure(spec);
    const logs = async () => (await runtime.logs(spec.name, 10)).sort().join(" ");
    await expect.poll(logs, { timeout: 25_000 }).toBe("apiserver:open kubelet:blocked");
    await runtime.remove(spec.name);
  });

  it("Pod Security is enforced on the namespace: a pod the runtime would never make is refused, with the reason", async () => {
    const core = app.makeApiClient(CoreV1Api);
    const refused = await failure(
      core.createNamespacedPod({
        namespace: NAMESPACE,
        body: {
          metadata: { name: `root-${Date.now()}` },
          spec: { containers: [{ name: "c", image: "busybox" }] },
        },
      }),
    );
    expect(refused?.code).toBe(403);
    expect(refused?.message).toContain("violates PodSecurity");
    expect(refused?.message).toContain("runAsNonRoot != true");
  });

  it("the Role in deploy/kubernetes allows what the runtime does, and nothing it does not", async () => {
    const reviews = app.makeApiClient(AuthorizationV1Api);
    const can = async (verb: string, resource: string, namespace = NAMESPACE, subresource?: string, group = "") =>
      (
        await reviews.createSelfSubjectAccessReview({
          body: { spec: { resourceAttributes: { verb, resource, subresource, namespace, group } } },
        })
      ).status?.allowed;
    // What the runtime uses: pods, attach and logs, Secrets, Services and their proxy.
    for (const verb of ["get", "list", "watch", "create", "delete"]) expect(await can(verb, "pods"), verb).toBe(true);
    expect(await can("create", "pods", NAMESPACE, "attach")).toBe(true);
    expect(await can("get", "pods", NAMESPACE, "log")).toBe(true);
    for (const verb of ["get", "create", "update", "delete"]) expect(await can(verb, "secrets"), verb).toBe(true);
    for (const verb of ["get", "create", "delete"]) expect(await can(verb, "services"), verb).toBe(true);
    expect(await can("get", "services", NAMESPACE, "proxy")).toBe(true);
    // Least privilege: no exec, nothing outside its namespace, no workloads, no RBAC of its own.
    expect(await can("create", "pods", NAMESPACE, "exec")).toBe(false);
    expect(await can("list", "secrets", "default")).toBe(false);
    expect(await can("create", "pods", "kube-system")).toBe(false);
    expect(await can("create", "deployments", NAMESPACE, undefined, "apps")).toBe(false);
    expect(await can("create", "roles", NAMESPACE, undefined, "rbac.authorization.k8s.io")).toBe(false);
    expect(await can("patch", "pods")).toBe(false);
  });

  it("every manifest in deploy/kubernetes is accepted by a server-side dry run", async () => {
    const objects = admin.makeApiClient(KubernetesObjectApi);
    const dir = path.resolve("deploy/kubernetes");
    const files = fs.readdirSync(dir).filter((f) => f.endsWith(".yaml"));
    let applied = 0;
    for (const file of files)
      for (const spec of loadAllYaml(fs.readFileSync(path.join(dir, file), "utf8"))) {
        if (!spec?.kind) continue;
        const result = await failure(
          objects.patch(spec, undefined, "All", "kube-local-test", true, PatchStrategy.ServerSideApply),
        );
        expect(result, `${file}: ${spec.kind} ${spec.metadata?.name}`).toBeNull();
        applied++;
      }
    expect(applied).toBeGreaterThanOrEqual(6);
  });

  it("a watch on pods from a list's resourceVersion sees what changes after it, in order", async () => {
    const core = app.makeApiClient(CoreV1Api);
    const spec = specOf(`watched-${Date.now()}`, "stdio", "key-watched");
    made.push(spec.name);
    const { metadata } = await core.listNamespacedPod({ namespace: NAMESPACE });
    const events: { type: string; resourceVersion: string }[] = [];
    // As the app: its Role lets it watch pods (the runtime's instance status).
    const watch = await new Watch(app).watch(
      `/api/v1/namespaces/${NAMESPACE}/pods`,
      { resourceVersion: metadata?.resourceVersion, fieldSelector: `metadata.name=${spec.name}` },
      (type, object) => events.push({ type, resourceVersion: object.metadata.resourceVersion }),
      () => {},
    );
    try {
      await runtime.ensure(spec);
      await admin.makeApiClient(CoreV1Api).patchNamespacedPod({
        name: spec.name,
        namespace: NAMESPACE,
        body: [{ op: "add", path: "/metadata/annotations/kube-local~1touched", value: "yes" }],
      });
      await runtime.remove(spec.name);
      for (let i = 0; i < 50 && events.at(-1)?.type !== "DELETED"; i++) await new Promise((r) => setTimeout(r, 100));
      expect(events[0]?.type).toBe("ADDED");
      expect(events.map((e) => e.type)).toContain("MODIFIED");
      expect(events.at(-1)?.type).toBe("DELETED");
      const versions = events.map((e) => Number(e.resourceVersion));
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      expect(versions[0]).toBeGreaterThan(Number(metadata?.resourceVersion));
    } finally {
      watch.abort();
    }
  });
});
