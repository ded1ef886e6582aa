import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * How the process runtime keeps an instance away from the app's secrets and from other instances.
 * - `bubblewrap`: each instance in its own mount, PID, IPC and UTS namespaces, with no capabilities;
 *   the host is read-only and the data directory, the instances' directories, the app's home, the
 *   app's `.env` files and `/tmp` are hidden; only the instance's own directory is writable.
 * - `user`: the app runs as root without bubblewrap; each instance runs as its own unprivileged user
 *   id, so it cannot read the app's files, the app's `/proc/<pid>/environ` or another instance's.
 * - `off`: nothing but a clean environment. Any server can read whatever the app can.
 */
export type SandboxMode = "bubblewrap" | "user" | "off";
export type SandboxSetting = "auto" | SandboxMode;

export interface Sandbox {
  mode: SandboxMode;
  /**
   * Bubblewrap only: the app is root, so each instance also runs as a user of its own inside the
   * sandbox (a process of uid 0 without capabilities still owns every root-owned file and socket
   * the read-only host shows it, such as SSH host keys or a Docker socket).
   */
  asUser: boolean;
  /** Set when instances are not isolated, or the setting asked for something this machine cannot do. */
  warning: string | null;
  /** Set when the setting asked for a sandbox this machine cannot provide: instances refuse to start. */
  refusal: string | null;
}

export interface SandboxPaths {
  /** The instance's own directory: writable, at the same path inside as outside. */
  instanceDir: string;
  /** Hidden from the instance (an empty tmpfs over each one that exists). */
  hide: string[];
  /** Shown again read-only after hiding (the app's code, when it lives in a hidden home). */
  reveal: string[];
  /** Files hidden by binding /dev/null over them (the app's `.env` files). */
  blankFiles: string[];
}

const BWRAP = "bwrap";

/** Hidden from every instance whatever the setting: the machine's shared temporary directory. */
export const ALWAYS_HIDDEN = ["/tmp"];

/** Pure: the bubblewrap command line that runs `command args` inside the sandbox. */
export function bubblewrapArgs(paths: SandboxPaths, command: string, args: readonly string[]): string[] {
  const out = [
    "--die-with-parent",
    "--new-session",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    ...ALWAYS_HIDDEN.flatMap((dir) => ["--tmpfs", dir]),
  ];
  for (const dir of paths.hide) out.push("--tmpfs", dir);
  for (const dir of paths.reveal) out.push("--ro-bind", dir, dir);
  // Hidden again where a revealed directory holds one of them (./data inside the app's directory).
  for (const dir of paths.hide) if (paths.reveal.some((r) => dir !== r && isInside(dir, r))) out.push("--tmpfs", dir);
  for (const file of paths.blankFiles) out.push("--ro-bind", "/dev/null", file);
  out.push("--bind", paths.instanceDir, paths.instanceDir, "--chdir", paths.instanceDir, "--", command, ...args);
  return out;
}

/** Pure: whether `child` is `parent` or lies below it. */
export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** The app's `.env*` files in `dir` (Next.js reads them; they may hold the keys). */
export function envFilesIn(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.startsWith(".env"))
      .map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}

/** Runs bubblewrap once with the flags instances get; resolves to why it cannot run, or null. */
export function probeBubblewrap(uid?: number): Promise<string | null> {
  return new Promise((resolve) => {
    const args = bubblewrapArgs({ instanceDir: "/", hide: [], reveal: [], blankFiles: [] }, "true", []);
    const env: Record<string, string> = { PATH: "/usr/bin:/bin" };
    let stderr = "";
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(BWRAP, args, {
        stdio: ["ignore", "ignore", "pipe"],
        env: env as NodeJS.ProcessEnv,
        cwd: "/",
        ...(uid !== undefined ? { uid, gid: uid } : {}),
      });
    } catch (err) {
      resolve((err as Error).message);
      return;
    }
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve("bubblewrap did not answer within 5 s");
    }, 5000);
    child.stderr?.on("data", (c: Buffer) => {
      if (stderr.length < 500) stderr += c.toString("utf8");
    });
    child.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code === "ENOENT" ? "bubblewrap (bwrap) is not installed" : err.message);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? null : `bubblewrap cannot create namespaces here: ${stderr.trim() || `exit code ${code}`}`);
    });
  });
}

const UNISOLATED =
  "Local MCP servers are not isolated from this app: any of them can read the data directory (encryption keys, session secret, database) and the other servers' environment.";

/**
 * Decides how instances are isolated on this machine. `auto` takes bubblewrap when it works,
 * else a separate user when the app runs as root, else none (with a warning). An explicit
 * setting that this machine cannot honour refuses to start instances rather than run them bare.
 */
export async function detectSandbox(
  setting: SandboxSetting,
  probe: {
    bubblewrap(uid?: number): Promise<string | null>;
    isRoot(): boolean;
    /** Whether another user can reach the data directory's parent and the app's own files. */
    othersReach(): boolean;
  } = {
    bubblewrap: probeBubblewrap,
    isRoot: () => process.getuid?.() === 0,
    othersReach: () => true,
  },
): Promise<Sandbox> {
  const none = { asUser: false, warning: null, refusal: null };
  if (setting === "off") return { ...none, mode: "off", warning: `${UNISOLATED} (ARCHESTRA_ORCHESTRATOR_SANDBOX=off)` };
  // A user of its own cannot run a server whose directory or code lies behind a root-only folder.
  const root = probe.isRoot();
  const ownUsers = root && probe.othersReach();
  const unreachable =
    "the data directory or the app lies in a folder other users cannot enter (for example /root): move them, or open the folders on the way (chmod o+x)";
  if (setting === "auto" || setting === "bubblewrap") {
    // As root, bubblewrap started as an unprivileged user (it then needs user namespaces), else as root.
    if (ownUsers && (await probe.bubblewrap(INSTANCE_UID_BASE)) === null)
      return { ...none, mode: "bubblewrap", asUser: true };
    const why = await probe.bubblewrap();
    if (why === null) return { ...none, mode: "bubblewrap" };
    if (setting === "bubblewrap") {
      const refusal = `ARCHESTRA_ORCHESTRATOR_SANDBOX=bubblewrap, but ${why}`;
      return { ...none, mode: "off", warning: refusal, refusal };
    }
    if (ownUsers) return { ...none, mode: "user" };
    const also = root ? `; servers cannot run as users of their own: ${unreachable}` : "";
    return {
      ...none,
      mode: "off",
      warning: `${UNISOLATED} Install bubblewrap (apt-get install bubblewrap) and allow user namespaces, or run on Kubernetes. (${why}${also})`,
    };
  }
  if (ownUsers) return { ...none, mode: "user" };
  const refusal = root
    ? `ARCHESTRA_ORCHESTRATOR_SANDBOX=user, but ${unreachable}`
    : "ARCHESTRA_ORCHESTRATOR_SANDBOX=user needs the app to run as root, to start servers as other users";
  return { ...none, mode: "off", warning: refusal, refusal };
}

/** First user id of the range instances run as in `user` mode (above the usual system and login ranges). */
export const INSTANCE_UID_BASE = 200_000;
const UID_RANGE = 1 << 20;

/** Pure: a stable user id for an instance, so its files keep their owner across restarts of the app. */
export function instanceUid(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return INSTANCE_UID_BASE + ((h >>> 0) % UID_RANGE);
}

/** Gives `dir` and everything below it to `uid` (after the app created it as root). */
export function chownTree(dir: string, uid: number): void {
  const stat = fs.lstatSync(dir);
  if (stat.uid === uid) return;
  fs.lchownSync(dir, uid, uid);
  if (!stat.isDirectory()) return;
  for (const entry of fs.readdirSync(dir)) chownTree(path.join(dir, entry), uid);
}

/**
 * The executable `command` names, looked up as spawn would (a path, or a name on `PATH`), or
 * null. Inside a sandbox a missing command shows only as an exit code: this keeps "command not
 * found" a reason that is not retried.
 */
export function resolveCommand(command: string, searchPath: string | undefined, cwd: string): string | null {
  const candidates = command.includes("/")
    ? [path.resolve(cwd, command)]
    : (searchPath ?? "")
        .split(":")
        .filter(Boolean)
        .map((dir) => path.join(dir, command));
  for (const file of candidates) {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {}
  }
  return null;
}

/** Whether a user other than the owner can reach `p`: every directory on the way lets others through. */
export function othersCanReach(p: string): boolean {
  let dir = path.resolve(p);
  for (;;) {
    try {
      if ((fs.statSync(dir).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return true;
    dir = parent;
  }
}

/**
 * Pure: what to show again, read-only, after hiding: the app's own directory when it lies in a
 * hidden one (its node_modules hold servers), and the install prefix of each `PATH` directory in
 * a hidden home (`~/.pyenv` for `~/.pyenv/shims`, an nvm version for its `bin`), so that npx and
 * uvx installed there keep working. Hidden directories inside these are hidden again.
 */
export function revealedPaths(options: { hide: string[]; appDir: string; searchPath: string | undefined }): string[] {
  const { hide, appDir } = options;
  const reveal = new Set<string>();
  if (hide.some((h) => isInside(appDir, h))) reveal.add(appDir);
  for (const entry of (options.searchPath ?? "").split(":").filter((e) => path.isAbsolute(e))) {
    const dir = path.resolve(entry);
    const container = hide.find((h) => isInside(dir, h));
    if (!container || dir === container) continue;
    const prefix = path.dirname(dir);
    reveal.add(prefix !== container && isInside(prefix, container) ? prefix : dir);
  }
  return [...reveal];
}
