import type { V1Pod, V1Secret, V1Service } from "@kubernetes/client-node";
import { expandInstanceDir, expandInstanceDirArgs, INSTANCE_DIR_VAR } from "./instance-dir";
import { instanceLabels, LABELS } from "./names";
import { withoutReservedEnv } from "./reserved-env";
import type { InstanceSpec } from "./types";

export const CONTAINER = "mcp";
export const SPEC_HASH_ANNOTATION = "mcp-orchestrator.io/spec-hash";
/** Where the pod's own writable directory (an emptyDir: it outlives container restarts, not the pod) is mounted. */
export const INSTANCE_DIR_IN_POD = "/mcp-instance";
const INSTANCE_VOLUME = "instance";
/**
 * The user instances run as: the `node` user of the official Node.js image (the base image for
 * npx servers). Custom images run as it too: Pod Security "restricted" wants a non-root user.
 */
export const INSTANCE_POD_UID = 1000;

/** Pod Security "restricted": non-root, no privilege escalation, no capabilities, the runtime's seccomp profile. */
const RESTRICTED_CONTAINER = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

export interface ManifestOptions {
  namespace: string;
  /** Image for command-based servers (npx/uvx). */
  baseImage: string;
}

export interface InstanceManifests {
  secret: V1Secret;
  pod: V1Pod;
  /** Only for streamable-HTTP servers. */
  service: V1Service | null;
}

/**
 * Pure: the Kubernetes objects for one instance. Credential values live only in the Secret;
 * the pod refers to it with envFrom, so no plaintext appears in the pod spec, its events or
 * `kubectl describe`.
 */
export function buildManifests(spec: InstanceSpec, options: ManifestOptions): InstanceManifests {
  const labels = instanceLabels(spec);
  const metadata = { name: spec.name, namespace: options.namespace, labels };
  const secret: V1Secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata,
    type: "Opaque",
    // Reserved names (LD_PRELOAD, NODE_OPTIONS, ...) are refused by the catalog; dropped here as a second line.
    data: Object.fromEntries(
      Object.entries(withoutReservedEnv(spec.secretEnv).env).map(([k, v]) => [
        k,
        Buffer.from(v, "utf8").toString("base64"),
      ]),
    ),
  };
  const usesImageEntrypoint = spec.image !== null && spec.command === null;
  const port = spec.transport === "http" ? (spec.httpPort ?? 8080) : null;
  const plainEnv = withoutReservedEnv(expandInstanceDir(spec.env, INSTANCE_DIR_IN_POD)).env;
  const args = expandInstanceDirArgs(spec.args, INSTANCE_DIR_IN_POD);
  const pod: V1Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { ...metadata, annotations: { [SPEC_HASH_ANNOTATION]: spec.specHash } },
    spec: {
      restartPolicy: "Always",
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      // fsGroup makes the emptyDir writable for the non-root user.
      securityContext: {
        runAsNonRoot: true,
        runAsUser: INSTANCE_POD_UID,
        runAsGroup: INSTANCE_POD_UID,
        fsGroup: INSTANCE_POD_UID,
        seccompProfile: { type: "RuntimeDefault" },
      },
      ...(spec.imagePullSecret ? { imagePullSecrets: [{ name: spec.imagePullSecret }] } : {}),
      volumes: [{ name: INSTANCE_VOLUME, emptyDir: {} }],
      containers: [
        {
          name: CONTAINER,
          image: spec.image ?? options.baseImage,
          ...(usesImageEntrypoint ? (args.length ? { args } : {}) : { command: [spec.command ?? ""], args }),
          // stdio servers are reached through the attach API: their stdin must stay open.
          stdin: spec.transport === "stdio",
          stdinOnce: false,
          tty: false,
          // `env` wins over `envFrom`, so the Secret cannot move MCP_INSTANCE_DIR either.
          env: [
            ...Object.entries(plainEnv).map(([name, value]) => ({ name, value })),
            { name: INSTANCE_DIR_VAR, value: INSTANCE_DIR_IN_POD },
            // npx and uvx keep their caches in HOME, which must be writable for the non-root user.
            { name: "HOME", value: INSTANCE_DIR_IN_POD },
            ...(port !== null ? [{ name: "PORT", value: String(port) }] : []),
          ],
          envFrom: [{ secretRef: { name: spec.name } }],
          volumeMounts: [{ name: INSTANCE_VOLUME, mountPath: INSTANCE_DIR_IN_POD }],
          ...(port !== null ? { ports: [{ name: "mcp", containerPort: port, protocol: "TCP" }] } : {}),
          securityContext: RESTRICTED_CONTAINER,
          resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "1Gi" } },
        },
      ],
    },
  };
  const service: V1Service | null =
    port === null
      ? null
      : {
          apiVersion: "v1",
          kind: "Service",
          metadata,
          spec: {
            selector: { [LABELS.instance]: spec.instanceId },
            ports: [{ name: "mcp", port, targetPort: port, protocol: "TCP" }],
          },
        };
  return { secret, pod, service };
}
