import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, describe, expect, it } from "vitest";
import { instanceName } from "./names";
import { ProcessRuntime } from "./process-runtime";
import { bubblewrapArgs, detectSandbox, revealedPaths, type SandboxSetting } from "./sandbox";
import { specHash } from "./spec-hash";
import type { InstanceSpec } from "./types";

/**
 * A hostile server (test/servers/snoop-server.mjs) tries to read the app's data directory, the
 * app's environment and another instance's environment and directory. Sandboxed, it gets nothing;
 * unsandboxed (`off`, the old behaviour), it gets all of it, which shows the probe works.
 */
const SNOOP = path.resolve("test/servers/snoop-server.mjs");
const APP_SECRET = "app-session-secret-0123456789";
const KEY = "1:c2VjcmV0LWVuY3J5cHRpb24ta2V5LWJ5dGVzLTAxMjM0NTY3";
const OTHER_SECRET = "bravo-personal-token-42";
const DOTENV_SECRET = "charlie-dotenv-key-7";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

/** A data directory laid out like the app's, with its secrets. */
function dataDir(): { data: string; workDir: string; app: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-"));
  roots.push(root);
  // Traversable, like a data directory's parent usually is (the `user` mode needs it).
  fs.chmodSync(root, 0o755);
  const data = path.join(root, "data");
  fs.mkdirSync(path.join(data, "pglite"), { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(data, "encryption.keys"), KEY, { mode: 0o600 });
  fs.writeFileSync(path.join(data, "auth-secret"), APP_SECRET, { mode: 0o600 });
  fs.writeFileSync(path.join(data, "pglite", "PG_VERSION"), "17", { mode: 0o600 });
  // The app's own folder, with a `.env` left readable by everyone, as an editor would write it.
  const app = path.join(root, "app");
  fs.mkdirSync(app, { mode: 0o755 });
  fs.writeFileSync(path.join(app, ".env"), `ARCHESTRA_ENCRYPTION_KEYS=${DOTENV_SECRET}`, { mode: 0o644 });
  return { data, workDir: path.join(data, "instances"), app };
}

function spec(slug: string, secretEnv: Record<string, string>): InstanceSpec {
  const credentialId = crypto.randomUUID();
  const base = {
    instanceId: crypto.randomUUID(),
    name: instanceName(slug, credentialId),
    serverId: crypto.randomUUID(),
    serverSlug: slug,
    credentialId,
    command: process.execPath,
    args: [SNOOP],
    image: null,
    imagePullSecret: null,
    transport: "stdio" as const,
    httpPort: null,
    httpPath: null,
    env: {},
    secretEnv,
  };
  return { ...base, specHash: specHash(base) };
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Report {
  home: string;
  wroteOwn: boolean;
  results: Record<string, { read?: string; listed?: string[]; error?: string }>;
}

/** Starts the snoop server and another instance beside it; returns what the snoop could read. */
async function snoop(setting: SandboxSetting): Promise<{ report: Report; text: string; data: string; other: string }> {
  const { data, workDir, app } = dataDir();
  const runtime = new ProcessRuntime({
    workDir,
    hidePaths: [data],
    appDir: app,
    // The app's environment at exec time is what /proc/<pid>/environ shows: the child inherits none of it.
    inheritEnv: { ...process.env, ARCHESTRA_AUTH_SECRET: APP_SECRET },
    sandbox: setting,
  });
  try {
    const other = spec("other", { API_TOKEN: OTHER_SECRET });
    const snooper = spec("snoop", { API_TOKEN: "alpha-token" });
    for (const s of [other, snooper]) {
      await runtime.ensure(s);
      await until(
        async () => (await runtime.list()).find((i) => i.name === s.name)?.status,
        (v) => v === "running",
      );
    }
    // The other instance keeps a file of its own.
    fs.writeFileSync(path.join(workDir, other.name, "notes.jsonl"), `notes of ${OTHER_SECRET}`);
    const client = new Client({ name: "test", version: "1.0.0" });
    await client.connect(await runtime.connect(snooper));
    const otherPid = runtime.pid(other.name);
    const paths = [
      "/etc/shadow",
      data,
      path.join(data, "encryption.keys"),
      path.join(data, "auth-secret"),
      path.join(data, "pglite", "PG_VERSION"),
      path.join(app, ".env"),
      workDir,
      path.join(workDir, other.name),
      path.join(workDir, other.name, "notes.jsonl"),
      `/proc/${process.pid}/environ`,
      `/proc/${otherPid}/environ`,
      // The other instance's real server process, below bubblewrap where there is one.
      ...fs
        .readdirSync("/proc")
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return fs.readFileSync(`/proc/${p}/environ`, "utf8").includes(OTHER_SECRET);
          } catch {
            return false;
          }
        })
        .map((p) => `/proc/${p}/environ`),
    ];
    const result = await client.callTool({ name: "snoop", arguments: { paths } });
    await client.close();
    const text = (result.content as { text: string }[])[0]?.text ?? "";
    return { report: JSON.parse(text) as Report, text, data, other: path.join(workDir, other.name) };
  } finally {
    await runtime.close();
  }
}

const setting = await detectSandbox("auto");

describe("a hostile local server", () => {
  it("without a sandbox, reads the app's keys and another instance's secrets (what the sandbox must stop)", async () => {
    const { text, report } = await snoop("off");
    expect(text).toContain(KEY);
    expect(text).toContain(DOTENV_SECRET);
    expect(text).toContain(APP_SECRET);
    expect(text).toContain(OTHER_SECRET);
    // Even so, its environment is clean: no app variables, its own home.
    expect(report.home).toMatch(/\.home$/);
    expect(text).not.toContain('"ARCHESTRA_AUTH_SECRET"');
  });

  it.skipIf(setting.mode !== "bubblewrap")(
    "under bubblewrap, gets nothing of the data directory, the app or the other instance, and can still write its own directory",
    async () => {
      const { text, report, data, other } = await snoop("bubblewrap");
      expect(text).not.toContain(DOTENV_SECRET);
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(APP_SECRET);
      expect(text).not.toContain(OTHER_SECRET);
      expect(report.results[path.join(other, "notes.jsonl")]).toEqual({ error: "ENOENT" });
      // The data directory is an empty tmpfs; the other instance's directory does not exist.
      expect(report.results[data]).toEqual({ listed: ["instances"] });
      expect(report.results[other]).toEqual({ error: "ENOENT" });
      // No process of the app is visible: its own PID namespace.
      expect(report.results[`/proc/${process.pid}/environ`]?.error).toBeDefined();
      // As root, the app also gives it a user of its own: root-owned files the host shows stay closed.
      if (setting.asUser) expect(report.results["/etc/shadow"]?.error).toBe("EACCES");
      expect(report.wroteOwn).toBe(true);
    },
  );

  it.skipIf(process.getuid?.() !== 0)(
    "as a user of its own (the app is root), reads none of the app's files or anyone's environment",
    async () => {
      const { text, report } = await snoop("user");
      expect(text).not.toContain(DOTENV_SECRET);
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(APP_SECRET);
      expect(text).not.toContain(OTHER_SECRET);
      expect(report.wroteOwn).toBe(true);
    },
  );
});

describe("choosing the sandbox", () => {
  const probe = (bubblewrap: string | null, root: boolean, othersReach = true) => ({
    bubblewrap: async () => bubblewrap,
    isRoot: () => root,
    othersReach: () => othersReach,
  });

  it("auto takes bubblewrap, else its own user when root, else none with a warning", async () => {
    const none = { warning: null, refusal: null };
    expect(await detectSandbox("auto", probe(null, false))).toEqual({ mode: "bubblewrap", asUser: false, ...none });
    expect(await detectSandbox("auto", probe(null, true))).toEqual({ mode: "bubblewrap", asUser: true, ...none });
    expect(await detectSandbox("auto", probe("no userns", true))).toEqual({ mode: "user", asUser: false, ...none });
    const off = await detectSandbox("auto", probe("no userns", false));
    expect(off).toMatchObject({ mode: "off", refusal: null });
    expect(off.warning).toContain("not isolated");
    expect(off.warning).toContain("no userns");
  });

  it("as root behind a folder other users cannot enter: bubblewrap without users of their own, else none", async () => {
    const none = { warning: null, refusal: null };
    expect(await detectSandbox("auto", probe(null, true, false))).toEqual({
      mode: "bubblewrap",
      asUser: false,
      ...none,
    });
    const off = await detectSandbox("auto", probe("no userns", true, false));
    expect(off).toMatchObject({ mode: "off", refusal: null });
    expect(off.warning).toContain("cannot enter");
    expect((await detectSandbox("user", probe(null, true, false))).refusal).toContain("cannot enter");
  });

  it("an explicit sandbox the machine cannot give refuses to start servers; off warns", async () => {
    expect((await detectSandbox("bubblewrap", probe("not installed", true))).refusal).toContain("not installed");
    expect((await detectSandbox("user", probe(null, false))).refusal).toContain("root");
    expect(await detectSandbox("off", probe(null, true))).toMatchObject({ mode: "off", refusal: null });
  });
});

describe("the bubblewrap command line", () => {
  it("hides the home, shows the app's code again, hides the data directory inside it again, then binds the instance", () => {
    // The container image's layout: HOME is the app's directory, the data directory inside it.
    const args = bubblewrapArgs(
      {
        instanceDir: "/app/data/instances/mcp-a",
        hide: ["/app/data", "/app/data/instances", "/app"],
        reveal: ["/app"],
        blankFiles: ["/app/.env"],
      },
      "/usr/local/bin/npx",
      ["-y", "pkg"],
    );
    const line = args.join(" ");
    expect(line).toContain("--unshare-pid");
    expect(line).toContain("--die-with-parent");
    expect(line).not.toContain("--share-net --unshare-net");
    const at = (s: string) => line.lastIndexOf(s);
    expect(at("--ro-bind /app /app")).toBeGreaterThan(at("--tmpfs /app "));
    expect(at("--tmpfs /app/data ")).toBeGreaterThan(at("--ro-bind /app /app"));
    expect(at("--ro-bind /dev/null /app/.env")).toBeGreaterThan(at("--ro-bind /app /app"));
    expect(
      line.endsWith(
        "--bind /app/data/instances/mcp-a /app/data/instances/mcp-a --chdir /app/data/instances/mcp-a -- /usr/local/bin/npx -y pkg",
      ),
    ).toBe(true);
  });

  it("shows again the app's code and the tools on PATH that live in the hidden home, not the home itself", () => {
    expect(
      revealedPaths({
        hide: ["/srv/app/data", "/root"],
        appDir: "/srv/app",
        searchPath: "/root/.pyenv/shims:/root/.nvm/versions/node/v20/bin:/root/bin:/usr/bin:relative",
      }),
    ).toEqual(["/root/.pyenv", "/root/.nvm/versions/node/v20", "/root/bin"]);
    expect(revealedPaths({ hide: ["/app/data", "/app"], appDir: "/app", searchPath: "/usr/bin" })).toEqual(["/app"]);
  });
});
