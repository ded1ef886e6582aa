import fs from "node:fs";
import path from "node:path";
import { loadAllYaml } from "@kubernetes/client-node";
import type { V1PodSpec } from "@kubernetes/client-node";
import { Deployment } from "kubernetes-models/apps/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { Role, RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { Namespace, Service, ServiceAccount } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { DEFAULT_BASE_IMAGE } from "@/lib/env";
import { instanceLabels } from "./names";
import { buildManifests } from "./pod-manifest";
import type { InstanceSpec } from "./types";

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  Deployment,
  NetworkPolicy,
  Role,
  RoleBinding,
  Namespace,
  Service,
  ServiceAccount,
};

const dir = path.resolve("deploy/kubernetes");
const objects = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .flatMap((f) =>
    (loadAllYaml(fs.readFileSync(path.join(dir, f), "utf8")) as { kind: string }[]).map((o) => ({
      file: f,
      // The client's loader renames NetworkPolicy's `from` (a JavaScript keyword) to `_from`: back to the API's name.
      o: JSON.parse(JSON.stringify(o).replaceAll('"_from":', '"from":')) as { kind: string },
    })),
  );

describe("deployment manifests", () => {
  it.each(objects.map(({ file, o }) => [`${file}: ${o.kind}`, o] as const))("%s is a valid object", (_name, o) => {
    const Model = MODELS[o.kind];
    expect(Model, `no model for ${o.kind}`).toBeDefined();
    expect(() => new (Model as NonNullable<typeof Model>)(o as never).validate()).not.toThrow();
  });

  it("grants only what the orchestrator uses, in one namespace, and no cluster-wide role", () => {
    const role = objects.find(({ o }) => o.kind === "Role")?.o as unknown as {
      rules: { resources: string[]; verbs: string[] }[];
    };
    const resources = role.rules.flatMap((r) => r.resources).sort();
    expect(resources).toEqual(["pods", "pods/attach", "pods/log", "secrets", "services", "services/proxy"]);
    expect(role.rules.flatMap((r) => r.verbs)).not.toContain("*");
    expect(objects.some(({ o }) => o.kind === "ClusterRole" || o.kind === "ClusterRoleBinding")).toBe(false);
  });

  it("keeps the internal port off the Service; replicas find each other on it", () => {
    const service = objects.find(({ o }) => o.kind === "Service")?.o as unknown as {
      spec: { ports: { targetPort: string }[] };
    };
    expect(service.spec.ports.map((p) => p.targetPort)).toEqual(["http"]);
    const app = (
      (objects.find(({ o }) => o.kind === "Deployment")?.o ?? {}) as unknown as {
        spec: {
          template: {
            spec: {
              containers: {
                ports: { name: string; containerPort: number }[];
                env: { name: string; value?: string }[];
              }[];
            };
          };
        };
      }
    ).spec.template.spec.containers[0];
    const internal = app?.ports.find((p) => p.name === "internal")?.containerPort;
    const env = Object.fromEntries((app?.env ?? []).map((e) => [e.name, e.value]));
    expect(env.ARCHESTRA_INTERNAL_PORT).toBe(String(internal));
    expect(env.ARCHESTRA_REPLICA_URL).toBe(`http://$(POD_IP):${internal}`);
    const policy = objects.find(({ o }) => o.kind === "NetworkPolicy" && JSON.stringify(o).includes('"internal"'))?.o;
    // (The client's YAML loader names `from` `_from`.)
    expect(JSON.stringify(policy)).toMatch(
      /"_?from":\[\{"podSelector":\{"matchLabels":\{"app.kubernetes.io\/name":"mcp-orchestrator"\}\}\}\],"ports":\[\{"port":"internal"\}\]/,
    );
  });
});

/** The checks of Pod Security "restricted" (v1.30+) that a pod spec can fail. */
function restrictedProblems(spec: V1PodSpec): string[] {
  const problems: string[] = [];
  const pod = spec.securityContext ?? {};
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push("host namespaces");
  if (spec.volumes?.some((v) => v.hostPath)) problems.push("hostPath volume");
  if (pod.runAsUser === 0) problems.push("pod runs as uid 0");
  for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) problems.push(`${c.name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${c.name}: allowPrivilegeEscalation`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push(`${c.name}: capabilities not dropped`);
    if ((sc.capabilities?.add ?? []).some((a) => a !== "NET_BIND_SERVICE"))
      problems.push(`${c.name}: adds capabilities`);
    if (!(sc.runAsNonRoot ?? pod.runAsNonRoot)) problems.push(`${c.name}: runAsNonRoot`);
    if (sc.runAsUser === 0) problems.push(`${c.name}: uid 0`);
    const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push(`${c.name}: seccomp`);
  }
  return problems;
}

const instance: InstanceSpec = {
  instanceId: "0b1c2d3e-0000-4000-8000-000000000002",
  name: "mcp-memory-0123456789",
  serverId: "0b1c2d3e-0000-4000-8000-000000000001",
  serverSlug: "memory",
  credentialId: "0b1c2d3e-0000-4000-8000-000000000003",
  command: "npx",
  args: ["-y", "@modelcontextprotocol/server-memory"],
  image: null,
  imagePullSecret: null,
  transport: "http",
  httpPort: 8080,
  httpPath: "/mcp",
  env: {},
  secretEnv: {},
  specHash: "x",
};

describe("pod security", () => {
  const find = (kind: string) => objects.filter(({ o }) => o.kind === kind).map(({ o }) => o as unknown);

  it("the namespace enforces Pod Security 'restricted', and the app and every instance pod pass it", () => {
    const namespace = find("Namespace")[0] as { metadata: { labels: Record<string, string> } };
    expect(namespace.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const app = find("Deployment")[0] as { spec: { template: { spec: V1PodSpec } } };
    expect(restrictedProblems(app.spec.template.spec)).toEqual([]);
    for (const image of [null, "ghcr.io/acme/mcp:1.2"]) {
      const { pod } = buildManifests({ ...instance, image }, { namespace: "mcp", baseImage: DEFAULT_BASE_IMAGE });
      expect(restrictedProblems(pod.spec as V1PodSpec)).toEqual([]);
    }
    // The check itself catches a pod as the runtime built them before.
    expect(
      restrictedProblems({ containers: [{ name: "mcp", securityContext: { allowPrivilegeEscalation: false } }] }),
    ).toEqual(["mcp: capabilities not dropped", "mcp: runAsNonRoot", "mcp: seccomp"]);
  });

  it("a NetworkPolicy lets only the app's pods reach MCP server pods", () => {
    const policies = find("NetworkPolicy") as {
      spec: {
        podSelector: { matchLabels: Record<string, string> };
        policyTypes: string[];
        ingress: { from: { podSelector?: { matchLabels: Record<string, string> }; namespaceSelector?: unknown }[] }[];
      };
    }[];
    const forServers = policies.filter(
      (p) => p.spec.podSelector.matchLabels["app.kubernetes.io/name"] === "mcp-server",
    );
    expect(forServers).toHaveLength(1);
    const policy = forServers[0] as (typeof policies)[number];
    // It selects every instance pod the runtime creates...
    const podLabels = instanceLabels(instance);
    for (const [k, v] of Object.entries(policy.spec.podSelector.matchLabels)) expect(podLabels[k as never]).toBe(v);
    expect(policy.spec.policyTypes).toContain("Ingress");
    // ...and admits only pods carrying the app Deployment's labels.
    const app = find("Deployment")[0] as { spec: { template: { metadata: { labels: Record<string, string> } } } };
    const sources = policy.spec.ingress.flatMap((r) => r.from);
    expect(sources).toHaveLength(1);
    expect(sources[0]?.namespaceSelector).toBeUndefined();
    for (const [k, v] of Object.entries(sources[0]?.podSelector?.matchLabels ?? {}))
      expect(app.spec.template.metadata.labels[k]).toBe(v);
    expect(Object.keys(sources[0]?.podSelector?.matchLabels ?? {})).not.toHaveLength(0);
    // The app's own pods are not MCP server pods.
    expect(app.spec.template.metadata.labels["app.kubernetes.io/name"]).not.toBe(podLabels["app.kubernetes.io/name"]);
  });
});
