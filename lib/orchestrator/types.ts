import type { Transport } from "@modelcontextprotocol/client";
import type { InstanceStatus, LocalTransport, RuntimeKind } from "@/db/schema";

/**
 * Everything a runtime needs to run one (server, credential) instance. Built from the
 * catalog item and the credential's opened secret; never stored or logged as a whole.
 */
export interface InstanceSpec {
  instanceId: string;
  /** DNS-1123 label, used for pods, secrets, services and process labels. */
  name: string;
  serverId: string;
  serverSlug: string;
  credentialId: string;
  /** Command-based servers (`npx ...`, `uvx ...`); for custom images, an optional override. */
  command: string | null;
  args: string[];
  /** A custom image; command-based servers run in the configured base image. */
  image: string | null;
  imagePullSecret: string | null;
  transport: LocalTransport;
  httpPort: number | null;
  httpPath: string | null;
  /** Non-secret values (catalog defaults). */
  env: Record<string, string>;
  /** The credential's values: in a Secret (Kubernetes) or the child's environment only (process). */
  secretEnv: Record<string, string>;
  /** Changes whenever anything above changes, so a changed credential restarts the instance. */
  specHash: string;
}

/** What a runtime sees of an instance right now. */
export interface ObservedInstance {
  instanceId: string;
  name: string;
  specHash: string | null;
  status: Exclude<InstanceStatus, "pending" | "stopped">;
  /** Why it is not running, in words a person can act on. */
  reason: string | null;
  lastExitCode: number | null;
  restartCount: number;
  startedAt: Date | null;
}

/** One way of running instances: local processes or Kubernetes pods. */
export interface Runtime {
  readonly kind: RuntimeKind;
  /** Creates the instance, or replaces it when its spec hash changed. Idempotent. */
  ensure(spec: InstanceSpec): Promise<void>;
  /** Stops and deletes the instance and everything created for it. Idempotent. */
  remove(name: string): Promise<void>;
  /** Restarts a running instance (a new process / pod with the same spec). */
  restart(name: string): Promise<void>;
  /** Every instance this runtime manages, including ones the database no longer wants. */
  list(): Promise<ObservedInstance[]>;
  /**
   * Whether the instance runs with this spec, where the runtime knows without asking anyone
   * (the process runtime); absent where finding out costs a request (Kubernetes).
   */
  runsNow?(spec: InstanceSpec): boolean;
  /** The last lines the instance wrote (stderr for stdio servers), secrets scrubbed. */
  logs(name: string, tailLines: number): Promise<string[]>;
  /** A fresh MCP transport to the instance; the caller owns and closes it. */
  connect(spec: InstanceSpec): Promise<Transport>;
  /** Releases everything (on shutdown). */
  close(): Promise<void>;
  /** How instances are kept from the app and each other (the process runtime; pods are isolated by Kubernetes). */
  isolation?(): Promise<{ mode: string; warning: string | null }>;
}

export class RuntimeUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RuntimeUnavailableError";
  }
}
