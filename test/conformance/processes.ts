/**
 * The processes a conformance run starts, each in its own process group so that stopping it also
 * stops what it started (tsx runs a second node, npm runs its scripts). Every group is stopped on
 * the way out: after the run, on an error, on Ctrl-C, or when the run's time is up.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";

export interface Started {
  /** What the log and error messages call it, e.g. "app". */
  label: string;
  child: ChildProcess;
  /** Where its stdout and stderr go. */
  logFile: string;
  /** Settles when the process exits, with its exit code (null when a signal ended it). */
  exited: Promise<number | null>;
}

export interface StartOptions {
  label: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  logFile: string;
}

export class ProcessGroups {
  private readonly started: Started[] = [];

  /** Starts a process in a new process group, its output appended to `logFile`. */
  start(opts: StartOptions): Started {
    const fd = fs.openSync(opts.logFile, "a");
    let child: ChildProcess;
    try {
      child = spawn(opts.command, opts.args, {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        stdio: ["ignore", fd, fd],
        detached: true,
      });
    } finally {
      fs.closeSync(fd);
    }
    const exited = new Promise<number | null>((resolve) => {
      child.once("exit", (code) => resolve(code));
      child.once("error", () => resolve(-1));
    });
    const started = { label: opts.label, child, logFile: opts.logFile, exited };
    this.started.push(started);
    return started;
  }

  /**
   * Stops every group: SIGTERM, then SIGKILL for what is still there after `graceMs`. A group
   * outlives its leader when the leader exits first, so each group is signalled either way.
   */
  async stopAll(graceMs = 5_000): Promise<void> {
    const groups = this.started.map((s) => s.child.pid).filter((pid): pid is number => pid !== undefined);
    for (const pid of groups) signalGroup(pid, "SIGTERM");
    const deadline = Date.now() + graceMs;
    while (groups.some(groupAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const pid of groups) if (groupAlive(pid)) signalGroup(pid, "SIGKILL");
  }

  /** For process.on("exit"), where nothing can be awaited: SIGKILL what is left. */
  killAllNow(): void {
    for (const s of this.started) if (s.child.pid !== undefined) signalGroup(s.child.pid, "SIGKILL");
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the whole group is gone already.
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The last lines of a log file, to show why a process failed (long lines, such as minified code, cut). */
export function tail(file: string, lines = 30): string {
  try {
    return fs
      .readFileSync(file, "utf8")
      .trimEnd()
      .split("\n")
      .slice(-lines)
      .map((line) => (line.length > 300 ? `${line.slice(0, 300)}...` : line))
      .join("\n");
  } catch {
    return "(no log)";
  }
}
