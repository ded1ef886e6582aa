import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Transport } from "@modelcontextprotocol/client";
import { afterAll, describe, expect, it } from "vitest";
import { upstreamEra } from "@/lib/mcp/upstream-era";
import { incarnationOf, InstanceConnections } from "./connections";
import { instanceName } from "./names";
import { ProcessRuntime } from "./process-runtime";
import { specHash } from "./spec-hash";
import type { InstanceSpec, Runtime } from "./types";

/** The SDK's v2 line, 2026-07-28 (and 2025); the SDK's v1 line, 2025 only, in three manners. */
const MODERN = { command: process.execPath, args: [path.resolve("test/servers/modern-server.mjs")] };
const legacy = (...flags: string[]) => ({
  command: process.execPath,
  args: [path.resolve("test/servers/legacy-server.mjs"), ...flags],
});

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "connections-"));
const runtime = new ProcessRuntime({ workDir, inheritEnv: process.env, backoff: { initialMs: 100, maxMs: 500 } });
afterAll(async () => {
  await runtime.close();
  fs.rmSync(workDir, { recursive: true, force: true });
});

function spec(server: { command: string; args: string[] }): InstanceSpec {
  const credentialId = crypto.randomUUID();
  const base = {
    instanceId: crypto.randomUUID(),
    name: instanceName("era", credentialId),
    serverId: crypto.randomUUID(),
    serverSlug: "era",
    credentialId,
    ...server,
    image: null,
    imagePullSecret: null,
    transport: "stdio" as const,
    httpPort: null,
    httpPath: null,
    env: {},
    secretEnv: {},
  };
  return { ...base, specHash: specHash(base) };
}

/** The runtime, with every method the client sends on each new connection noted in `sent`. */
function watched(sent: string[]): Runtime {
  return {
    connect: async (s: InstanceSpec) => {
      const transport: Transport = await runtime.connect(s);
      const send = transport.send.bind(transport);
      transport.send = (message, options) => {
        if ("method" in message) sent.push(message.method);
        return send(message, options);
      };
      return transport;
    },
  } as unknown as Runtime;
}

async function running(s: InstanceSpec, restarts = 0) {
  await runtime.ensure(s);
  for (let i = 0; i < 200; i++) {
    const o = (await runtime.list()).find((x) => x.name === s.name);
    if (o?.status === "running" && o.restartCount >= restarts) return incarnationOf(o);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the instance did not run");
}

/** A fresh pool (as after the connection closed), connected to the instance as it runs now. */
async function connectOnce(s: InstanceSpec, incarnation: string) {
  const sent: string[] = [];
  const pool = new InstanceConnections(watched(sent));
  const client = await pool.client(s, incarnation);
  const echo = await client.callTool({ name: "echo", arguments: { text: "hi" } });
  const era = upstreamEra(client);
  await pool.closeAll();
  return { era, sent: sent.filter((m) => m !== "tools/call" && m !== "tools/list"), echo };
}

describe("each upstream instance in its best era", () => {
  it("speaks 2026-07-28 to a server that offers it, and adopts that on reconnect until the process restarts", async () => {
    const s = spec(MODERN);
    const first = await running(s);
    const probed = await connectOnce(s, first);
    expect(probed.era).toBe("modern");
    expect(probed.sent).toEqual(["server/discover"]);
    expect(probed.echo.content).toEqual([{ type: "text", text: "hi" }]);

    // The same process again: no probe, no handshake (2026-07-28 is stateless).
    expect(await connectOnce(s, first)).toMatchObject({ era: "modern", sent: [] });

    // A restarted process may be another build: it is asked again.
    await runtime.restart(s.name);
    const second = await running(s);
    expect(second).not.toBe(first);
    expect(await connectOnce(s, second)).toMatchObject({ era: "modern", sent: ["server/discover"] });
  });

  it("falls back to initialize for a 2025 server, and skips the probe on reconnect", async () => {
    const s = spec(legacy());
    const incarnation = await running(s);
    expect(await connectOnce(s, incarnation)).toMatchObject({
      era: "legacy",
      sent: ["server/discover", "initialize", "notifications/initialized"],
    });
    expect(await connectOnce(s, incarnation)).toMatchObject({
      era: "legacy",
      sent: ["initialize", "notifications/initialized"],
    });
  });

  it("takes a server that stays silent on the probe for a 2025 server, after a short wait", async () => {
    const s = spec(legacy("--silent-on-probe"));
    const started = Date.now();
    const result = await connectOnce(s, await running(s));
    expect(result).toMatchObject({
      era: "legacy",
      sent: ["server/discover", "initialize", "notifications/initialized"],
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("a server that exits on the probe is restarted by the runtime and reached in 2025 without another probe", async () => {
    const s = spec(legacy("--exit-on-probe"));
    const first = await running(s);
    const sent: string[] = [];
    const pool = new InstanceConnections(watched(sent));
    await expect(pool.client(s, first)).rejects.toThrow(/closed/);
    expect(sent).toEqual(["server/discover"]);
    // The instance is not left dead: the runtime restarts it, and the next connection works.
    const second = await running(s, 1);
    expect(second).not.toBe(first);
    expect(await connectOnce(s, second)).toMatchObject({
      era: "legacy",
      sent: ["initialize", "notifications/initialized"],
      echo: { content: [{ type: "text", text: "hi" }] },
    });
  });
});
