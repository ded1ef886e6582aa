import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Transport } from "@modelcontextprotocol/client";
import { freePort } from "@/lib/net/free-port";
import { HttpClientTransport } from "@/lib/mcp/http-client-transport";
import { ChildStdioTransport } from "./child-stdio-transport";
import { expandInstanceDir, expandInstanceDirArgs, INSTANCE_DIR_VAR } from "./instance-dir";
import { LogRing } from "./log-ring";
import { withoutReservedEnv } from "./reserved-env";
import {
  bubblewrapArgs,
  chownTree,
  detectSandbox,
  envFilesIn,
  instanceUid,
  othersCanReach,
  probeBubblewrap,
  resolveCommand,
  ALWAYS_HIDDEN,
  revealedPaths,
  type Sandbox,
  type SandboxSetting,
} from "./sandbox";
import type { InstanceSpec, ObservedInstance, Runtime } from "./types";

export interface ProcessRuntimeOptions {
  /** Working directories for instances live under here, one per instance (its `MCP_INSTANCE_DIR`). */
  workDir: string;
  /** The only variables of the app's own environment a server inherits (never the app's secrets). */
  inheritEnv?: Record<string, string | undefined>;
  /** Restart backoff after a crash, like a kubelet's: doubles from initialMs up to maxMs. */
  backoff?: { initialMs: number; maxMs: number };
  /** A run that lasts this long resets the backoff. */
  stableAfterMs?: number;
  /** How instances are isolated (see sandbox.ts); `auto` by default. */
  sandbox?: SandboxSetting;
  /** Hidden from sandboxed instances besides workDir and the app's home: the data directory. */
  hidePaths?: string[];
  /** The app's own directory: readable (its node_modules) even when it lies in a hidden home, less its `.env` files. */
  appDir?: string;
}

/**
 * The app's variables an instance inherits. Not HOME (each instance gets its own, in its
 * directory: the app's home holds its npm cache and whatever else the app's user keeps), nor
 * npm_config_cache (a cache shared between instances lets one plant code in another's packages).
 * The machine's TLS trust anchors go along (NODE_EXTRA_CA_CERTS for Node.js, SSL_CERT_FILE and
 * SSL_CERT_DIR for OpenSSL, Python and uv): behind a proxy that inspects TLS, npx and uvx reach
 * their registries only with them.
 */
const INHERITED = ["PATH", "TMPDIR", "LANG", "LC_ALL", "TZ", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR"];

/** The instance's home, inside its own directory: npx and uvx keep their caches there. */
export const INSTANCE_HOME = ".home";

/** Which of the app's environment variables a server may see. */
export function inheritableEnv(source: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED) {
    const value = source[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** One instance's process across restarts: a kubelet for a single container. */
class ManagedProcess {
  child: ChildProcess | null = null;
  status: ObservedInstance["status"] = "starting";
  reason: string | null = null;
  lastExitCode: number | null = null;
  restartCount = 0;
  startedAt: Date | null = null;
  port: number | null = null;
  readonly logs: LogRing;
  private stopping = false;
  private group = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private backoffMs: number;

  constructor(
    readonly spec: InstanceSpec,
    private readonly options: Required<ProcessRuntimeOptions>,
    private readonly sandbox: () => Promise<Sandbox>,
  ) {
    this.logs = new LogRing(Object.values(spec.secretEnv));
    this.backoffMs = options.backoff.initialMs;
  }

  async start(): Promise<void> {
    const { spec } = this;
    const command = spec.command;
    if (!command) {
      this.fail("this server runs from a container image, which needs the Kubernetes runtime");
      return;
    }
    const sandbox = await this.sandbox();
    if (sandbox.refusal) {
      this.fail(sandbox.refusal);
      return;
    }
    if (spec.transport === "http" && this.port === null) this.port = await freePort();
    // Absolute: some servers resolve a relative path against their own code (server-memory does).
    const cwd = path.resolve(this.options.workDir, spec.name);
    const home = path.join(cwd, INSTANCE_HOME);
    fs.mkdirSync(home, { recursive: true, mode: 0o700 });
    // Second line behind the catalog's check: entries stored before it existed, or written around it.
    const plain = withoutReservedEnv(expandInstanceDir(spec.env, cwd));
    const secret = withoutReservedEnv(spec.secretEnv);
    const dropped = [...plain.dropped, ...secret.dropped];
    if (dropped.length) this.logs.note(`ignored reserved variables: ${dropped.join(", ")}`);
    const env: Record<string, string> = {
      ...inheritableEnv(this.options.inheritEnv),
      ...(sandbox.mode === "bubblewrap" ? { TMPDIR: "/tmp" } : {}),
      ...plain.env,
      ...secret.env,
      HOME: home,
      [INSTANCE_DIR_VAR]: cwd,
      ...(this.port !== null ? { PORT: String(this.port) } : {}),
    };
    this.status = "starting";
    const args = expandInstanceDirArgs(spec.args, cwd);
    this.logs.note(`starting: ${[command, ...args].join(" ")}`);
    let file = command;
    let argv = args;
    let uid: number | undefined;
    if (sandbox.mode === "bubblewrap") {
      const resolved = resolveCommand(command, env.PATH, cwd);
      if (!resolved) {
        this.fail(`could not start ${JSON.stringify(command)}: command not found`);
        return;
      }
      file = "bwrap";
      argv = bubblewrapArgs(this.sandboxPaths(cwd, sandbox.asUser), resolved, args);
      if (sandbox.asUser) {
        uid = instanceUid(spec.name);
        this.prepareForUser(cwd, uid);
      }
    } else if (sandbox.mode === "user") {
      uid = instanceUid(spec.name);
      this.prepareForUser(cwd, uid);
    }
    // An argument array, never a shell: nothing in the catalog entry is interpreted.
    const child: ChildProcess = spawn(/*turbopackIgnore: true*/ file, argv, {
      cwd,
      env: env as NodeJS.ProcessEnv,
      stdio: "pipe",
      // bubblewrap forks an init for the PID namespace; its own process group lets a signal reach both.
      detached: sandbox.mode === "bubblewrap",
      ...(uid !== undefined ? { uid, gid: uid } : {}),
    });
    this.group = sandbox.mode === "bubblewrap";
    this.child = child;
    child.stderr?.on("data", (chunk: Buffer) => this.logs.write(chunk));
    // stdio servers speak the protocol on stdout: it is not logged (it carries tool arguments and results).
    if (spec.transport === "http") child.stdout?.on("data", (chunk: Buffer) => this.logs.write(chunk));
    child.stdin?.on("error", () => {});
    child.once("exit", (code, signal) => this.onExit(child, code, signal));
    // Resolves once the process exists (or cannot), so callers see a settled status.
    await new Promise<void>((resolve) => {
      child.once("spawn", () => {
        this.status = "running";
        this.reason = null;
        this.startedAt = new Date();
        resolve();
      });
      child.once("error", (err: NodeJS.ErrnoException) => {
        if (child.pid === undefined) {
          // Could not be started at all (missing command, no permission): retrying cannot help.
          const why = err.code === "ENOENT" ? "command not found" : err.message;
          this.fail(`could not start ${JSON.stringify(command)}: ${why}`);
        }
        resolve();
      });
    });
  }

  /** What a bubblewrapped instance cannot see: every other instance, the data directory, the app's home and `.env` files. */
  private sandboxPaths(instanceDir: string, asUser: boolean) {
    const { workDir, hidePaths, appDir, inheritEnv } = this.options;
    const appHome = inheritEnv.HOME;
    const hide = [...hidePaths, workDir, ...(appHome && appHome !== "/" ? [appHome] : [])]
      .map((p) => path.resolve(p))
      .filter((p) => p !== "/" && fs.existsSync(p));
    const app = path.resolve(appDir);
    return {
      instanceDir,
      hide,
      // A user of its own cannot bind what it cannot reach (a root-only home): those stay hidden.
      // The app itself may live in a hidden directory, /tmp included (a clone there).
      reveal: revealedPaths({ hide: [...hide, ...ALWAYS_HIDDEN], appDir: app, searchPath: inheritEnv.PATH }).filter(
        (p) => fs.existsSync(p) && (!asUser || othersCanReach(p)),
      ),
      blankFiles: envFilesIn(app),
    };
  }

  /**
   * A user of its own for the instance: its directory (0700) is its own, and the instances'
   * directory lets it through without listing the others (0711).
   */
  private prepareForUser(instanceDir: string, uid: number): void {
    fs.chmodSync(this.options.workDir, 0o711);
    // Without bubblewrap nothing blanks the app's `.env` files: they become the app's alone.
    for (const file of envFilesIn(path.resolve(this.options.appDir))) {
      const mode = fs.statSync(file).mode & 0o777;
      if (mode & 0o077) fs.chmodSync(file, mode & 0o700);
    }
    const parent = path.dirname(path.resolve(this.options.workDir));
    const mode = fs.statSync(parent).mode & 0o777;
    // The data directory may be 0700: traversal only (0711), its files stay unreadable (0600).
    if ((mode & 0o001) === 0) fs.chmodSync(parent, mode | 0o011);
    chownTree(instanceDir, uid);
    fs.chmodSync(instanceDir, 0o700);
  }

  private fail(reason: string): void {
    this.status = "failed";
    this.reason = reason;
    this.child = null;
    this.logs.note(reason);
  }

  /** Signals the instance: bubblewrap's whole process group (its namespace's init with it), else the process. */
  signal(child: ChildProcess, signal: NodeJS.Signals): void {
    if (this.group && child.pid !== undefined) {
      try {
        process.kill(-child.pid, signal);
        return;
      } catch {}
    }
    child.kill(signal);
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    // Nothing of a sandbox outlives its bubblewrap (its init would otherwise linger when bubblewrap was killed early).
    if (this.group) this.signal(child, "SIGKILL");
    if (this.child !== child) return;
    this.child = null;
    this.lastExitCode = code ?? (signal ? 128 : null);
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    this.logs.note(`process ${how}`);
    if (this.stopping || this.status === "failed") return;
    const ranFor = this.startedAt ? Date.now() - this.startedAt.getTime() : 0;
    if (ranFor >= this.options.stableAfterMs) this.backoffMs = this.options.backoff.initialMs;
    this.restartCount += 1;
    this.status = "crash_looping";
    const last = this.logs.lastLine();
    this.reason = `${how}${last ? `: ${last}` : ""}; restarting in ${Math.round(this.backoffMs / 1000)} s`;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopping) void this.start();
    }, this.backoffMs);
    this.restartTimer.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.backoff.maxMs);
  }

  /** Stops the process: SIGTERM, then SIGKILL if it has not exited after a grace period. */
  async stop(graceMs = 3000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    this.signal(child, "SIGTERM");
    const timer = setTimeout(() => this.signal(child, "SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }

  observe(): ObservedInstance {
    return {
      instanceId: this.spec.instanceId,
      name: this.spec.name,
      specHash: this.spec.specHash,
      status: this.status,
      reason: this.reason,
      lastExitCode: this.lastExitCode,
      restartCount: this.restartCount,
      startedAt: this.startedAt,
    };
  }
}

/**
 * The embedded runtime: each instance is a child process of this app, with the same
 * lifecycle as a pod (restart with backoff after a crash, status, a bounded log). Single
 * machine only: the processes live and die with this app process.
 */
export class ProcessRuntime implements Runtime {
  readonly kind = "process" as const;
  private readonly instances = new Map<string, ManagedProcess>();
  private readonly options: Required<ProcessRuntimeOptions>;

  // Children do not die with their parent: make sure none outlives the app.
  private readonly killAll = () => {
    for (const managed of this.instances.values()) if (managed.child) managed.signal(managed.child, "SIGTERM");
  };

  constructor(options: ProcessRuntimeOptions) {
    process.once("exit", this.killAll);
    this.options = {
      inheritEnv: {},
      backoff: { initialMs: 1000, maxMs: 300_000 },
      stableAfterMs: 60_000,
      sandbox: "auto",
      hidePaths: [],
      appDir: process.cwd(),
      ...options,
    };
  }

  private detected: Promise<Sandbox> | null = null;

  /** How this machine isolates instances (decided once, on first use). */
  readonly isolation = (): Promise<Sandbox> => {
    const { workDir, appDir } = this.options;
    this.detected ??= detectSandbox(this.options.sandbox, {
      bubblewrap: probeBubblewrap,
      isRoot: () => process.getuid?.() === 0,
      // The data directory itself is opened for traversal when needed (prepareForUser).
      othersReach: () => othersCanReach(path.dirname(path.dirname(path.resolve(workDir)))) && othersCanReach(appDir),
    });
    return this.detected;
  };

  async ensure(spec: InstanceSpec): Promise<void> {
    const current = this.instances.get(spec.name);
    if (current && current.spec.specHash === spec.specHash) return;
    if (current) await current.stop();
    const managed = new ManagedProcess(spec, this.options, this.isolation);
    this.instances.set(spec.name, managed);
    await managed.start();
  }

  async remove(name: string): Promise<void> {
    const managed = this.instances.get(name);
    if (!managed) return;
    this.instances.delete(name);
    await managed.stop();
  }

  async restart(name: string): Promise<void> {
    const managed = this.instances.get(name);
    if (!managed) return;
    await managed.stop();
    const fresh = new ManagedProcess(managed.spec, this.options, this.isolation);
    fresh.restartCount = managed.restartCount;
    this.instances.set(name, fresh);
    await fresh.start();
  }

  async list(): Promise<ObservedInstance[]> {
    return [...this.instances.values()].map((m) => m.observe());
  }

  runsNow(spec: InstanceSpec): boolean {
    const managed = this.instances.get(spec.name);
    return managed?.status === "running" && managed.spec.specHash === spec.specHash;
  }

  async logs(name: string, tailLines: number): Promise<string[]> {
    return this.instances.get(name)?.logs.tail(tailLines) ?? [];
  }

  async connect(spec: InstanceSpec): Promise<Transport> {
    const managed = this.instances.get(spec.name);
    if (managed?.status !== "running") {
      throw new Error(managed?.reason ?? "the server is not running");
    }
    if (spec.transport === "http") {
      const url = new URL(spec.httpPath ?? "/mcp", `http://127.0.0.1:${managed.port}`);
      return new HttpClientTransport(url);
    }
    if (!managed.child) throw new Error("the server is not running");
    return new ChildStdioTransport(managed.child);
  }

  /** For tests of crash recovery: the pid of an instance's current process. */
  pid(name: string): number | undefined {
    return this.instances.get(name)?.child?.pid;
  }

  async close(): Promise<void> {
    process.off("exit", this.killAll);
    await Promise.all([...this.instances.values()].map((m) => m.stop()));
    this.instances.clear();
  }
}
