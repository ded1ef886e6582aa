import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@/lib/net/free-port";
import { startEverythingHttp } from "@/test/support/mcp-servers";

const BRIDGE = path.resolve("cli/connect.mjs");

/** What a client that pipes its messages sends: a session's start and one request. */
const SESSION = [
  {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "pipe", version: "1" } },
  },
  { jsonrpc: "2.0", method: "notifications/initialized" },
  { jsonrpc: "2.0", id: 2, method: "tools/list" },
];

interface Answer {
  id?: number;
  result?: { tools?: { name: string }[] };
  error?: { message: string };
}

/** Runs the bridge, writes the messages, closes its stdin; resolves when it exits (null code: killed). */
function bridge(url: string, messages: object[]): Promise<{ code: number | null; answers: Answer[]; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BRIDGE, url], { env: { ...process.env, ARCHESTRA_TOKEN: "test-token" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const killer = setTimeout(() => child.kill(), 8_000);
    child.on("exit", (code) => {
      clearTimeout(killer);
      const answers = stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Answer);
      resolve({ code, answers, stderr });
    });
    child.stdin.end(messages.map((m) => `${JSON.stringify(m)}\n`).join(""));
  });
}

describe("the stdio bridge exits when its client closes stdin", () => {
  let server: { url: string; stop(): void };
  let url: string;
  beforeAll(async () => {
    server = await startEverythingHttp();
    url = server.url;
  });
  afterAll(() => {
    server.stop();
  });

  it("after answering what was asked, with the session's event stream open", async () => {
    const { code, answers, stderr } = await bridge(url, SESSION);
    expect(code, stderr).toBe(0);
    expect(answers.map((a) => a.id)).toEqual([1, 2]);
    expect(answers[1]?.result?.tools?.map((t) => t.name)).toContain("echo");
  });

  it("without waiting for a request the client cancelled", async () => {
    const slow = {
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: { name: "trigger-long-running-operation", arguments: { duration: 60, steps: 2 } },
    };
    const cancel = { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 3 } };
    const { code, answers, stderr } = await bridge(url, [...SESSION, slow, cancel]);
    expect(code, stderr).toBe(0);
    expect(answers.map((a) => a.id)).toEqual([1, 2]);
  });

  it("when the gateway cannot be reached, answering each request with the reason", async () => {
    const { code, answers } = await bridge(`http://127.0.0.1:${await freePort()}/api/mcp/main`, SESSION);
    expect(code).toBe(0);
    expect(answers.map((a) => a.id)).toEqual([1, 2]);
    expect(answers[0]?.error?.message).toMatch(/^gateway unreachable: .*ECONNREFUSED/);
  });
});

describe("the stdio bridge against a gateway that refuses the token", () => {
  let gateway: http.Server;
  let url: string;
  beforeAll(async () => {
    gateway = http.createServer((_req, res) => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          jsonrpc: "2.0",
          error: { code: -32600, message: "The token is unknown, revoked or expired." },
        }),
      );
    });
    await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/api/mcp/main`;
  });
  afterAll(() => {
    gateway.close();
  });

  it("says the token was refused and how to get one, not that the gateway is unreachable, and exits", async () => {
    const { code, answers, stderr } = await bridge(url, SESSION);
    expect(code).toBe(0);
    const message = answers[0]?.error?.message ?? "";
    expect(message).toContain("refused the token (HTTP 401: The token is unknown, revoked or expired.)");
    expect(message).toContain("Tokens page");
    expect(message).not.toContain("unreachable");
    expect(stderr).toContain("refused the token");
  });
});
