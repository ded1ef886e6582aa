import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { execFileSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { SEED_ENTRIES } from "@/lib/registry/seed-catalog";
import { EVERYTHING_SERVER_HTTP, FILESYSTEM_SERVER, MEMORY_SERVER } from "@/test/support/mcp-servers";
import { INSTANCE_DIR_REFERENCE } from "./instance-dir";
import { instanceName } from "./names";
import { inheritableEnv, ProcessRuntime } from "./process-runtime";
import { specHash } from "./spec-hash";
import type { InstanceSpec } from "./types";

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "instances-"));
const runtime = new ProcessRuntime({
  workDir,
  inheritEnv: process.env,
  backoff: { initialMs: 100, maxMs: 1000 },
});
afterAll(async () => {
  await runtime.close();
  fs.rmSync(workDir, { recursive: true, force: true });
});

function spec(over: Partial<InstanceSpec> & { serverSlug: string }): InstanceSpec {
  const credentialId = over.credentialId ?? crypto.randomUUID();
  const base = {
    instanceId: crypto.randomUUID(),
    name: instanceName(over.serverSlug, credentialId),
    serverId: crypto.randomUUID(),
    credentialId,
    command: MEMORY_SERVER.command,
    args: MEMORY_SERVER.args,
    image: null,
    imagePullSecret: null,
    transport: "stdio" as const,
    httpPort: null,
    httpPath: null,
    env: {},
    secretEnv: {},
    ...over,
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

const observed = async (name: string) => (await runtime.list()).find((i) => i.name === name);

/** uv, for the catalog's Python servers (`uvx`): scripts/install-uv.sh, which .ci/run runs. */
const hasUvx = (() => {
  try {
    execFileSync("uvx", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
if (!hasUvx)
  console.warn("uvx is not installed (scripts/install-uv.sh): the test of the seeded Fetch entry is skipped.");

async function connect(s: InstanceSpec): Promise<Client> {
  const client = new Client({ name: "test", version: "1.0.0" });
  await client.connect(await runtime.connect(s));
  return client;
}

describe("process runtime", () => {
  it("runs a real stdio server: tools/list and tools/call", async () => {
    // In its own directory: a sandboxed server cannot write next to its code.
    const s = spec({ serverSlug: "memory", env: { MEMORY_FILE_PATH: `${INSTANCE_DIR_REFERENCE}/memory.jsonl` } });
    await runtime.ensure(s);
    expect(
      (
        await until(
          () => observed(s.name),
          (o) => o?.status === "running",
        )
      )?.status,
    ).toBe("running");
    const client = await connect(s);
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain("create_entities");
    const result = await client.callTool({
      name: "create_entities",
      arguments: { entities: [{ name: "Ada", entityType: "person", observations: ["wrote the first program"] }] },
    });
    expect(result.isError).toBeFalsy();
    const graph = await client.callTool({ name: "read_graph", arguments: {} });
    expect(JSON.stringify(graph.content)).toContain("wrote the first program");
    await client.close();
  });

  it.runIf(hasUvx)(
    "runs the seeded Fetch entry (uvx mcp-server-fetch): uv installs it from PyPI and it lists its tools",
    async () => {
      const fetchEntry = SEED_ENTRIES.find((e) => e.slug === "fetch");
      expect(fetchEntry).toMatchObject({ command: "uvx", args: ["mcp-server-fetch"] });
      const s = spec({
        serverSlug: "fetch",
        command: (fetchEntry as { command: string }).command,
        args: (fetchEntry as { args: string[] }).args,
      });
      await runtime.ensure(s);
      const client = await connect(s);
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toEqual(["fetch"]);
      expect(tools.tools[0]?.inputSchema.properties).toHaveProperty("url");
      await client.close();
      await runtime.remove(s.name);
    },
    120_000,
  );

  it("runs a streamable-HTTP server on a loopback port", async () => {
    const s = spec({ serverSlug: "everything", ...EVERYTHING_SERVER_HTTP, transport: "http", httpPath: "/mcp" });
    await runtime.ensure(s);
    await until(
      () => observed(s.name),
      (o) => o?.status === "running",
    );
    // The server needs a moment to bind its port after the process starts.
    const client = await until(
      () => connect(s).catch(() => null),
      (c) => c !== null,
    );
    expect(client).not.toBeNull();
    const result = await client?.callTool({ name: "echo", arguments: { message: "hello over http" } });
    expect(JSON.stringify(result?.content)).toContain("hello over http");
    await client?.close();
  });

  it("runs the filesystem server confined to the directory its spec names", async () => {
    // As the seeded entry does: a directory of the instance's own (a sandbox hides the rest).
    const s = spec({ serverSlug: "filesystem", ...FILESYSTEM_SERVER(`${INSTANCE_DIR_REFERENCE}/files`) });
    const root = path.join(workDir, s.name, "files");
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(path.join(root, "hello.txt"), "hello from the instance");
    await runtime.ensure(s);
    await until(
      () => observed(s.name),
      (o) => o?.status === "running",
    );
    const client = await connect(s);
    const read = await client.callTool({ name: "read_text_file", arguments: { path: path.join(root, "hello.txt") } });
    expect(JSON.stringify(read.content)).toContain("hello from the instance");
    const outside = await client.callTool({ name: "read_text_file", arguments: { path: "/etc/hostname" } });
    expect(outside.isError).toBe(true);
    await client.close();
    await runtime.remove(s.name);
  });

  it("restarts a killed process with backoff, and the next call works", async () => {
    const s = spec({ serverSlug: "memory-crash" });
    await runtime.ensure(s);
    await until(
      () => observed(s.name),
      (o) => o?.status === "running",
    );
    const firstPid = runtime.pid(s.name);
    process.kill(firstPid as number, "SIGKILL");
    const after = await until(
      () => observed(s.name),
      (o) => o?.status === "running" && o.restartCount === 1,
    );
    expect(after).toMatchObject({ status: "running", restartCount: 1, lastExitCode: 128 });
    expect(runtime.pid(s.name)).not.toBe(firstPid);
    // Nothing of the killed one lingers (under bubblewrap: its namespace's init, in the same process group).
    const groupGone = () => {
      try {
        process.kill(-(firstPid as number), 0);
        return false;
      } catch {
        return true;
      }
    };
    expect(
      await until(
        async () => groupGone(),
        (gone) => gone,
        3000,
      ),
    ).toBe(true);
    const client = await connect(s);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
    expect((await runtime.logs(s.name, 50)).join("\n")).toContain("was killed by SIGKILL");
  });

  it("a command that does not exist fails with the reason and is not retried", async () => {
    const s = spec({ serverSlug: "missing", command: "definitely-not-a-command-xyz", args: [] });
    await runtime.ensure(s);
    const o = await until(
      () => observed(s.name),
      (v) => v?.status === "failed",
    );
    expect(o).toMatchObject({ status: "failed", restartCount: 0 });
    expect(o?.reason).toContain('could not start "definitely-not-a-command-xyz": command not found');
    await new Promise((r) => setTimeout(r, 400));
    expect((await observed(s.name))?.restartCount).toBe(0);
    await expect(runtime.connect(s)).rejects.toThrow(/command not found/);
  });

  it("gives each credential its own process and environment, scrubs secrets from logs, and leaves nothing behind", async () => {
    const script =
      "console.error('token is ' + process.env.API_TOKEN + ' db ' + (process.env.DATABASE_URL ?? 'unset')); setInterval(() => {}, 1000)";
    const a = spec({
      serverSlug: "env",
      command: process.execPath,
      args: ["-e", script],
      secretEnv: { API_TOKEN: "alpha-secret-1" },
    });
    const b = spec({
      serverSlug: "env",
      command: process.execPath,
      args: ["-e", script],
      secretEnv: { API_TOKEN: "bravo-secret-2" },
    });
    process.env.DATABASE_URL ??= "postgres://should-not-leak";
    await runtime.ensure(a);
    await runtime.ensure(b);
    expect(a.name).not.toBe(b.name);
    const logsA = await until(
      () => runtime.logs(a.name, 10),
      (l) => l.some((x) => x.startsWith("token")),
    );
    const logsB = await until(
      () => runtime.logs(b.name, 10),
      (l) => l.some((x) => x.startsWith("token")),
    );
    expect(logsA.join("\n")).toContain("token is [redacted] db unset");
    expect(logsA.join("\n")).not.toContain("alpha-secret-1");
    expect(logsB.join("\n")).not.toContain("bravo-secret-2");
    const pidA = runtime.pid(a.name) as number;
    expect(pidA).not.toBe(runtime.pid(b.name));
    await runtime.remove(a.name);
    await runtime.remove(b.name);
    expect(() => process.kill(pidA, 0)).toThrow();
    expect((await runtime.list()).map((i) => i.name)).not.toContain(a.name);
  });

  it("gives each instance its own directory, which catalog values can refer to", async () => {
    // The seeded Memory entry: without its own file, every person's graph is one shared file.
    const memory = (credentialId: string) =>
      spec({
        serverSlug: "memory-own",
        credentialId,
        env: { MEMORY_FILE_PATH: `${INSTANCE_DIR_REFERENCE}/memory.jsonl` },
      });
    const admin = memory(crypto.randomUUID());
    const member = memory(crypto.randomUUID());
    await runtime.ensure(admin);
    await runtime.ensure(member);
    for (const s of [admin, member])
      await until(
        () => observed(s.name),
        (o) => o?.status === "running",
      );
    const adminClient = await connect(admin);
    await adminClient.callTool({
      name: "create_entities",
      arguments: { entities: [{ name: "Payroll", entityType: "secret", observations: ["admin only"] }] },
    });
    await adminClient.close();
    const memberClient = await connect(member);
    const graph = await memberClient.callTool({ name: "read_graph", arguments: {} });
    await memberClient.close();
    expect(JSON.stringify(graph.content)).not.toContain("admin only");
    const adminFile = path.join(workDir, admin.name, "memory.jsonl");
    expect(fs.readFileSync(adminFile, "utf8")).toContain("admin only");
    expect(fs.existsSync(path.join(workDir, member.name, "memory.jsonl"))).toBe(false);

    // The variable is set for every instance, absolute, and cannot be moved by a value.
    const script =
      "console.error('dir=' + process.env.MCP_INSTANCE_DIR + ' file=' + process.env.FILE + ' cwd=' + process.cwd() + ' arg=' + process.argv[1]); setInterval(() => {}, 1000)";
    const probe = spec({
      serverSlug: "dir-probe",
      command: process.execPath,
      // Arguments may name it too (the seeded Filesystem server serves it).
      args: ["-e", script, `${INSTANCE_DIR_REFERENCE}/files`],
      env: { FILE: `${INSTANCE_DIR_REFERENCE}/state.db`, MCP_INSTANCE_DIR: "/elsewhere" },
      secretEnv: { MCP_INSTANCE_DIR: "/elsewhere-too" },
    });
    await runtime.ensure(probe);
    const lines = await until(
      () => runtime.logs(probe.name, 10),
      (l) => l.some((x) => x.startsWith("dir=")),
    );
    const dir = path.join(workDir, probe.name);
    expect(lines).toContain(`dir=${dir} file=${dir}/state.db cwd=${fs.realpathSync(dir)} arg=${dir}/files`);
    for (const s of [admin, member, probe]) await runtime.remove(s.name);
  });

  it("scrubs a secret from logs also where the server printed it JSON-escaped or URL-encoded", async () => {
    const secret = 'pa$$w"ord-with-quote';
    const script =
      "console.error('json ' + JSON.stringify(process.env.API_KEY)); console.error('url ' + encodeURIComponent(process.env.API_KEY)); setInterval(() => {}, 1000)";
    const s = spec({
      serverSlug: "quoted",
      command: process.execPath,
      args: ["-e", script],
      secretEnv: { API_KEY: secret },
    });
    await runtime.ensure(s);
    const lines = await until(
      () => runtime.logs(s.name, 10),
      (l) => l.some((x) => x.startsWith("url")),
    );
    expect(lines).toContain('json "[redacted]"');
    expect(lines).toContain("url [redacted]");
    await runtime.remove(s.name);
  });

  it("replaces the process when the spec changes (a new credential value)", async () => {
    const s = spec({ serverSlug: "memory-change", secretEnv: { KEY: "one" } });
    await runtime.ensure(s);
    await until(
      () => observed(s.name),
      (o) => o?.status === "running",
    );
    const pid = runtime.pid(s.name);
    await runtime.ensure(s);
    expect(runtime.pid(s.name)).toBe(pid);
    const changed = { ...s, secretEnv: { KEY: "two" } };
    await runtime.ensure({ ...changed, specHash: specHash(changed) });
    await until(
      () => observed(s.name),
      (o) => o?.status === "running",
    );
    expect(runtime.pid(s.name)).not.toBe(pid);
  });

  it("drops loader and interpreter variables at spawn, whatever the catalog or a credential holds", async () => {
    const script =
      "console.error('seen=' + ['LD_PRELOAD','NODE_OPTIONS','PYTHONPATH','npm_config_registry'].map((n) => n + ':' + (process.env[n] ?? '-')).join(',') + ' home=' + process.env.HOME + ' ok=' + process.env.FINE); setInterval(() => {}, 1000)";
    const s = spec({
      serverSlug: "reserved",
      command: process.execPath,
      args: ["-e", script],
      // As if stored before the catalog refused these names, or written to the database directly.
      env: { LD_PRELOAD: "/tmp/evil.so", PYTHONPATH: "/tmp", FINE: "yes" },
      secretEnv: { NODE_OPTIONS: "--require /tmp/evil.js", npm_config_registry: "http://127.0.0.1:9/", HOME: "/root" },
    });
    await runtime.ensure(s);
    const lines = await until(
      () => runtime.logs(s.name, 20),
      (l) => l.some((x) => x.startsWith("seen=")),
    );
    const dir = path.join(workDir, s.name);
    expect(lines).toContain(
      `seen=LD_PRELOAD:-,NODE_OPTIONS:-,PYTHONPATH:-,npm_config_registry:- home=${dir}/.home ok=yes`,
    );
    expect(lines.join("\n")).toContain(
      "ignored reserved variables: LD_PRELOAD, PYTHONPATH, NODE_OPTIONS, npm_config_registry, HOME",
    );
    await runtime.remove(s.name);
  });

  it("passes on only harmless variables of the app's environment", () => {
    // Not HOME (each instance has its own) nor a shared npm cache.
    const env = inheritableEnv({
      PATH: "/bin",
      HOME: "/root",
      npm_config_cache: "/root/.npm",
      DATABASE_URL: "x",
      ARCHESTRA_ENCRYPTION_KEYS: "k",
      SSL_CERT_FILE: "/etc/ssl/certs/ca-certificates.crt",
      PIP_CERT: "/etc/ssl/certs/ca-certificates.crt",
    });
    expect(env).toEqual({ PATH: "/bin", SSL_CERT_FILE: "/etc/ssl/certs/ca-certificates.crt" });
  });
});
