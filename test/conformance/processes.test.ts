import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ProcessGroups } from "./processes";

const dirs: string[] = [];
/** Processes a test started, killed by id afterwards in case the code under test left them. */
const strays: number[] = [];
afterEach(() => {
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone, as it should be
    }
  }
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("ProcessGroups", () => {
  it("stops a process and what it started, also one that ignores SIGTERM", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "process-groups-"));
    dirs.push(dir);
    const pids = path.join(dir, "pids");
    const groups = new ProcessGroups();
    // A parent that starts a grandchild which ignores SIGTERM, as a stuck server would.
    const p = groups.start({
      label: "parent",
      command: "sh",
      args: ["-c", `sh -c 'trap "" TERM; echo $$ >> ${pids}; while :; do sleep 0.1; done' & echo $$ >> ${pids}; wait`],
      logFile: path.join(dir, "log"),
    });
    await until(() => fs.existsSync(pids) && fs.readFileSync(pids, "utf8").trim().split("\n").length === 2);
    const started = fs.readFileSync(pids, "utf8").trim().split("\n").map(Number);
    strays.push(...started);
    expect(started.every(alive)).toBe(true);

    await groups.stopAll(500);
    await p.exited;
    await until(() => !started.some(alive));
  });

  it("writes the process's output to its log file and reports its exit code", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "process-groups-"));
    dirs.push(dir);
    const log = path.join(dir, "log");
    const p = new ProcessGroups().start({
      label: "echo",
      command: "sh",
      args: ["-c", "echo out; echo err >&2; exit 3"],
      logFile: log,
    });
    expect(await p.exited).toBe(3);
    expect(fs.readFileSync(log, "utf8")).toBe("out\nerr\n");
  });
});
