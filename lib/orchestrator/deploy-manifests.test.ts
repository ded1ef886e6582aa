import fs from "node:fs";
import path from "node:path";
import { loadAllYaml } from "@kubernetes/client-node";
import { Deployment } from "kubernetes-models/apps/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { Role, RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { Namespace, Service, ServiceAccount } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";

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
    (loadAllYaml(fs.readFileSync(path.join(dir, f), "utf8")) as { kind: string }[]).map((o) => ({ file: f, o })),
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
