import { Pod, Secret, Service } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { buildInstanceSpec } from "./build-spec";
import { INSTANCE_DIR_REFERENCE } from "./instance-dir";
import { buildManifests, INSTANCE_DIR_IN_POD, INSTANCE_POD_UID, SPEC_HASH_ANNOTATION } from "./pod-manifest";

const item = {
  id: "0b1c2d3e-0000-4000-8000-000000000001",
  slug: "GitHub Enterprise.io",
  command: "npx",
  args: ["-y", "@modelcontextprotocol/server-github"],
  image: null,
  image_pull_secret: null,
  transport: "stdio" as const,
  http_port: null,
  http_path: null,
  env_schema: [
    { name: "GITHUB_TOKEN", secret: true, required: true, prompt: true },
    { name: "GITHUB_HOST", secret: false, required: false, prompt: true, default: "github.com" },
  ],
};
const spec = buildInstanceSpec({
  instanceId: "0b1c2d3e-0000-4000-8000-000000000002",
  item,
  credentialId: "0b1c2d3e-0000-4000-8000-000000000003",
  secret: { env: { GITHUB_TOKEN: "ghp_supersecret" } },
});
const options = { namespace: "mcp", baseImage: "node:22-bookworm-slim" };

describe("pod manifests", () => {
  it("are valid Kubernetes objects", () => {
    const m = buildManifests(spec, options);
    expect(() => new Pod(m.pod as never).validate()).not.toThrow();
    expect(() => new Secret(m.secret as never).validate()).not.toThrow();
    expect(m.service).toBeNull();
  });

  it("keep the secret out of the pod spec: only a reference to the Secret", () => {
    const m = buildManifests(spec, options);
    const podText = JSON.stringify(m.pod);
    expect(podText).not.toContain("ghp_supersecret");
    expect(podText).not.toContain(Buffer.from("ghp_supersecret").toString("base64"));
    expect(m.pod.spec?.containers[0]?.envFrom).toEqual([{ secretRef: { name: spec.name } }]);
    expect(m.secret.data).toEqual({ GITHUB_TOKEN: Buffer.from("ghp_supersecret").toString("base64") });
    expect(m.pod.spec?.containers[0]?.env).toEqual([
      { name: "GITHUB_HOST", value: "github.com" },
      { name: "MCP_INSTANCE_DIR", value: INSTANCE_DIR_IN_POD },
      { name: "HOME", value: INSTANCE_DIR_IN_POD },
    ]);
  });

  it("give each pod a writable directory of its own, which plain values can refer to", () => {
    const memory = buildInstanceSpec({
      instanceId: spec.instanceId,
      item: {
        ...item,
        env_schema: [
          {
            name: "MEMORY_FILE_PATH",
            secret: false,
            required: false,
            prompt: false,
            default: `${INSTANCE_DIR_REFERENCE}/g.jsonl`,
          },
          { name: "MCP_INSTANCE_DIR", secret: false, required: false, prompt: false, default: "/elsewhere" },
          { name: "TOKEN", secret: true, required: false, prompt: true, default: INSTANCE_DIR_REFERENCE },
        ],
      },
      credentialId: spec.credentialId,
      secret: {},
    });
    const m = buildManifests(memory, options);
    const container = m.pod.spec?.containers[0];
    expect(m.pod.spec?.volumes).toEqual([{ name: "instance", emptyDir: {} }]);
    expect(container?.volumeMounts).toEqual([{ name: "instance", mountPath: INSTANCE_DIR_IN_POD }]);
    expect(container?.env).toEqual([
      { name: "MEMORY_FILE_PATH", value: `${INSTANCE_DIR_IN_POD}/g.jsonl` },
      { name: "MCP_INSTANCE_DIR", value: INSTANCE_DIR_IN_POD },
      { name: "HOME", value: INSTANCE_DIR_IN_POD },
    ]);
    // Secret values are the person's, byte for byte.
    expect(Buffer.from(m.secret.data?.TOKEN ?? "", "base64").toString()).toBe(INSTANCE_DIR_REFERENCE);
    expect(() => new Pod(m.pod as never).validate()).not.toThrow();
    // Arguments may name the directory too.
    const withArgs = buildManifests({ ...memory, args: ["--root", `${INSTANCE_DIR_REFERENCE}/files`] }, options);
    expect(withArgs.pod.spec?.containers[0]?.args).toEqual(["--root", `${INSTANCE_DIR_IN_POD}/files`]);
  });

  it("pass Pod Security 'restricted': non-root (the node image's user), seccomp, no token, no escalation, no capabilities", () => {
    for (const s of [spec, { ...spec, image: "ghcr.io/acme/mcp:1.2", command: null }]) {
      const { pod } = buildManifests(s, options);
      expect(pod.spec?.automountServiceAccountToken).toBe(false);
      expect(pod.spec?.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: INSTANCE_POD_UID,
        runAsGroup: INSTANCE_POD_UID,
        fsGroup: INSTANCE_POD_UID,
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(INSTANCE_POD_UID).toBe(1000);
      for (const c of pod.spec?.containers ?? []) {
        expect(c.securityContext).toEqual({
          runAsNonRoot: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ["ALL"] },
          seccompProfile: { type: "RuntimeDefault" },
        });
        expect(c.securityContext?.privileged).toBeUndefined();
      }
      expect(pod.spec?.hostNetwork ?? false).toBe(false);
      expect(pod.spec?.volumes?.every((v) => v.hostPath === undefined)).toBe(true);
      // npx needs a writable home: the emptyDir.
      expect(pod.spec?.containers[0]?.env).toContainEqual({ name: "HOME", value: INSTANCE_DIR_IN_POD });
    }
  });

  it("drop loader and interpreter variables from the pod and its Secret, wherever they came from", () => {
    const hostile = {
      ...spec,
      env: { LD_PRELOAD: "/mcp-instance/x.so", GITHUB_HOST: "github.com", PATH: "/mcp-instance" },
      secretEnv: { NODE_OPTIONS: "--require /mcp-instance/x.js", GITHUB_TOKEN: "t", HOME: "/" },
    };
    const m = buildManifests(hostile, options);
    const names = (m.pod.spec?.containers[0]?.env ?? []).map((e) => e.name);
    expect(names).toEqual(["GITHUB_HOST", "MCP_INSTANCE_DIR", "HOME"]);
    expect(Object.keys(m.secret.data ?? {})).toEqual(["GITHUB_TOKEN"]);
  });

  it("run command-based servers in the base image with stdin open, and carry labels and the spec hash", () => {
    const m = buildManifests(spec, options);
    const container = m.pod.spec?.containers[0];
    expect(container).toMatchObject({
      image: "node:22-bookworm-slim",
      command: ["npx"],
      args: item.args,
      stdin: true,
      tty: false,
    });
    expect(m.pod.metadata?.annotations?.[SPEC_HASH_ANNOTATION]).toBe(spec.specHash);
    expect(m.pod.metadata?.labels?.["app.kubernetes.io/managed-by"]).toBe("mcp-orchestrator");
    expect(m.pod.metadata?.name).toMatch(/^mcp-github-enterprise-io-[0-9a-f]{10}$/);
  });

  it("custom images use their own entrypoint unless a command is given; HTTP servers get a Service", () => {
    const custom = buildInstanceSpec({
      instanceId: spec.instanceId,
      item: {
        ...item,
        command: null,
        args: [],
        image: "ghcr.io/acme/mcp:1.2",
        image_pull_secret: "regcred",
        transport: "http",
        http_port: 9000,
        http_path: "/mcp",
      },
      credentialId: spec.credentialId,
      secret: {},
    });
    const m = buildManifests(custom, options);
    const container = m.pod.spec?.containers[0];
    expect(container?.command).toBeUndefined();
    expect(container?.image).toBe("ghcr.io/acme/mcp:1.2");
    expect(container?.stdin).toBe(false);
    expect(container?.ports).toEqual([{ name: "mcp", containerPort: 9000, protocol: "TCP" }]);
    expect(m.pod.spec?.imagePullSecrets).toEqual([{ name: "regcred" }]);
    expect(m.service?.spec?.selector).toEqual({ "mcp-orchestrator.io/instance-id": spec.instanceId });
    expect(() => new Service(m.service as never).validate()).not.toThrow();
    expect(() => new Pod(m.pod as never).validate()).not.toThrow();
  });
});
