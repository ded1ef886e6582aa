import { Attach, CoreV1Api, KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { StreamableHTTPClientTransport, type Transport } from "@modelcontextprotocol/client";
import { HttpClientTransport } from "@/lib/mcp/http-client-transport";
import { plainFetch } from "@/lib/http/plain-fetch";
import { AttachTransport } from "./attach-transport";
import { MANAGED_SELECTOR } from "./names";
import { buildManifests, CONTAINER, type ManifestOptions, SPEC_HASH_ANNOTATION } from "./pod-manifest";
import { podToObserved } from "./pod-status";
import { redactSecrets, secretForms } from "./redact-secrets";
import { type InstanceSpec, type ObservedInstance, type Runtime, RuntimeUnavailableError } from "./types";

export interface KubernetesRuntimeOptions extends ManifestOptions {
  kubeconfigPath?: string;
  inCluster: boolean;
  /** A ready KubeConfig (tests); otherwise loaded from the path or the service account. */
  kubeConfig?: KubeConfig;
  /** How long replacing a pod waits for the old one to go. */
  deleteTimeoutMs?: number;
}

const statusCode = (err: unknown): number | undefined =>
  typeof err === "object" && err !== null && "code" in err && typeof (err as { code: unknown }).code === "number"
    ? (err as { code: number }).code
    : undefined;

/** Kubernetes API errors, and network errors reaching it, in words a person can act on. */
function explain(err: unknown, doing: string): Error {
  const code = statusCode(err);
  if (code === undefined) {
    return new RuntimeUnavailableError(`cannot reach the Kubernetes API while ${doing}: ${(err as Error).message}`);
  }
  const body = (err as { body?: unknown }).body;
  let message = "";
  try {
    message = (typeof body === "string" ? JSON.parse(body) : body)?.message ?? "";
  } catch {
    message = String(body ?? "");
  }
  return new Error(`Kubernetes refused ${doing} (HTTP ${code})${message ? `: ${message}` : ""}`);
}

/**
 * The API server answers a log request for a pod that has no node yet with 204 and no Content-Type,
 * which the generated client fails to parse: there is nothing to show yet.
 */
const isEmptyUntypedAnswer = (err: unknown) =>
  err instanceof Error && err.message === "Cannot parse content. No Content-Type defined.";

function isJsonRpc(line: string): boolean {
  if (!line.startsWith("{")) return false;
  try {
    return (JSON.parse(line) as { jsonrpc?: unknown }).jsonrpc === "2.0";
  } catch {
    return false;
  }
}

async function ignoreNotFound<T>(work: Promise<T>): Promise<T | undefined> {
  try {
    return await work;
  } catch (err) {
    if (statusCode(err) === 404) return undefined;
    throw err;
  }
}

/**
 * Runs each instance as a pod in one namespace, its credential in a Secret next to it, and a
 * Service in front of streamable-HTTP servers. Kubernetes restarts crashed containers; this
 * runtime creates, replaces and deletes, and reports what the pods say.
 */
export class KubernetesRuntime implements Runtime {
  readonly kind = "kubernetes" as const;
  private readonly core: CoreV1Api;
  private readonly attach: Attach;

  constructor(
    private readonly kc: KubeConfig,
    private readonly options: KubernetesRuntimeOptions,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.attach = new Attach(kc);
  }

  private get namespace(): string {
    return this.options.namespace;
  }

  async ensure(spec: InstanceSpec): Promise<void> {
    const { secret, pod, service } = buildManifests(spec, this.options);
    const namespace = this.namespace;
    const existing = await ignoreNotFound(this.core.readNamespacedPod({ name: spec.name, namespace })).catch((err) => {
      throw explain(err, `reading pod ${spec.name}`);
    });
    if (
      existing &&
      !existing.metadata?.deletionTimestamp &&
      existing.metadata?.annotations?.[SPEC_HASH_ANNOTATION] === spec.specHash
    ) {
      return;
    }
    try {
      // The Secret first: the pod refers to it and would not start without it.
      await this.upsertSecret(spec.name, secret);
      if (existing) await this.deletePodAndWait(spec.name);
      await this.core.createNamespacedPod({ namespace, body: pod });
      if (service) {
        await ignoreNotFound(this.core.deleteNamespacedService({ name: spec.name, namespace }));
        await this.core.createNamespacedService({ namespace, body: service });
      }
    } catch (err) {
      throw err instanceof RuntimeUnavailableError ? err : explain(err, `creating instance ${spec.name}`);
    }
  }

  private async upsertSecret(name: string, body: ReturnType<typeof buildManifests>["secret"]): Promise<void> {
    const namespace = this.namespace;
    try {
      await this.core.createNamespacedSecret({ namespace, body });
    } catch (err) {
      if (statusCode(err) !== 409) throw err;
      const current = await this.core.readNamespacedSecret({ name, namespace });
      await this.core.replaceNamespacedSecret({
        name,
        namespace,
        body: { ...body, metadata: { ...body.metadata, resourceVersion: current.metadata?.resourceVersion } },
      });
    }
  }

  private async deletePodAndWait(name: string): Promise<void> {
    const namespace = this.namespace;
    await ignoreNotFound(this.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 5 }));
    const deadline = Date.now() + (this.options.deleteTimeoutMs ?? 60_000);
    while (Date.now() < deadline) {
      if (!(await ignoreNotFound(this.core.readNamespacedPod({ name, namespace })))) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(
      `pod ${name} did not go away within ${Math.round((this.options.deleteTimeoutMs ?? 60_000) / 1000)} s`,
    );
  }

  async remove(name: string): Promise<void> {
    const namespace = this.namespace;
    try {
      await ignoreNotFound(this.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 5 }));
      await ignoreNotFound(this.core.deleteNamespacedService({ name, namespace }));
      await ignoreNotFound(this.core.deleteNamespacedSecret({ name, namespace }));
    } catch (err) {
      throw explain(err, `removing instance ${name}`);
    }
  }

  async restart(name: string): Promise<void> {
    // The pod goes; the next reconcile pass creates it again from the same spec.
    await this.deletePodAndWait(name).catch((err) => {
      throw explain(err, `restarting instance ${name}`);
    });
  }

  async list(): Promise<ObservedInstance[]> {
    let pods: V1Pod[];
    try {
      pods = (await this.core.listNamespacedPod({ namespace: this.namespace, labelSelector: MANAGED_SELECTOR })).items;
    } catch (err) {
      throw explain(err, "listing pods");
    }
    return pods.map(podToObserved).filter((o): o is ObservedInstance => o !== null);
  }

  async logs(name: string, tailLines: number): Promise<string[]> {
    try {
      const [text, secret] = await Promise.all([
        this.core.readNamespacedPodLog({ name, namespace: this.namespace, container: CONTAINER, tailLines }),
        ignoreNotFound(this.core.readNamespacedSecret({ name, namespace: this.namespace })),
      ]);
      // The credential's values never reach the Servers page, whatever the server printed.
      const forms = secretForms(
        Object.values(secret?.data ?? {}).map((v) => Buffer.from(v, "base64").toString("utf8")),
      );
      // A stdio server's stdout is the protocol, and Kubernetes logs it: those lines carry tool
      // arguments and results, so they are left out.
      return String(text ?? "")
        .split("\n")
        .filter((line) => line !== "" && !isJsonRpc(line))
        .map((line) => redactSecrets(line, forms));
    } catch (err) {
      if (statusCode(err) === 404 || statusCode(err) === 400 || isEmptyUntypedAnswer(err)) return [];
      throw explain(err, `reading logs of ${name}`);
    }
  }

  async connect(spec: InstanceSpec): Promise<Transport> {
    if (spec.transport === "stdio") {
      return new AttachTransport(this.attach, { namespace: this.namespace, pod: spec.name, container: CONTAINER });
    }
    const port = spec.httpPort ?? 8080;
    const path = spec.httpPath ?? "/mcp";
    if (this.options.inCluster) {
      return new HttpClientTransport(new URL(`http://${spec.name}.${this.namespace}.svc:${port}${path}`));
    }
    // Outside the cluster: through the API server's service proxy, with the kubeconfig's credentials.
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new RuntimeUnavailableError("the kubeconfig has no current cluster");
    const url = new URL(
      `${cluster.server.replace(/\/$/, "")}/api/v1/namespaces/${this.namespace}/services/${spec.name}:${port}/proxy${path}`,
    );
    const headers: Record<string, string> = {};
    const user = this.kc.getCurrentUser();
    if (user?.token) headers.Authorization = `Bearer ${user.token}`;
    return new StreamableHTTPClientTransport(url, { requestInit: { headers }, fetch: plainFetch });
  }

  async close(): Promise<void> {}
}

export function createKubernetesRuntime(options: KubernetesRuntimeOptions): KubernetesRuntime {
  const kc = options.kubeConfig ?? new KubeConfig();
  if (!options.kubeConfig) {
    if (options.inCluster) kc.loadFromCluster();
    else if (options.kubeconfigPath) kc.loadFromFile(options.kubeconfigPath);
    else
      throw new RuntimeUnavailableError(
        "no kubeconfig: set ARCHESTRA_ORCHESTRATOR_KUBECONFIG or load it from the cluster",
      );
  }
  return new KubernetesRuntime(kc, options);
}
