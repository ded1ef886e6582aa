import { spawn } from "node:child_process";
import { Client, type Transport } from "@modelcontextprotocol/client";
import { afterAll, describe, expect, it } from "vitest";
import { startEverythingHttp } from "@/test/support/mcp-servers";
import { HttpClientTransport } from "./http-client-transport";
import { relayingClient } from "./relay/relaying-client";
import { encodeHeaderValue, modernRequestHeaders } from "./standard-headers";
import { connectUpstream, forgetEra, rememberedEra, upstreamEra } from "./upstream-era";

const stops: (() => void)[] = [];
afterAll(() => {
  for (const stop of stops) stop();
});

/** What the 2026-07-28 test servers wrote to stderr. */
let serverLog = "";

/** The 2026-07-28 test server (SDK v2) over HTTP on a free port. */
async function modernHttp(): Promise<URL> {
  const child = spawn(process.execPath, ["test/servers/modern-server.mjs", "--http", "0"], { stdio: "pipe" });
  stops.push(() => child.kill());
  child.stderr.on("data", (chunk: Buffer) => {
    serverLog += chunk.toString();
  });
  const port = await new Promise<string>((resolve) => {
    child.stdout.on("data", (chunk: Buffer) => {
      const m = /listening (\d+)/.exec(chunk.toString());
      if (m?.[1]) resolve(m[1]);
    });
  });
  return new URL(`http://127.0.0.1:${port}/mcp`);
}

/** `transport`, with the method of every message it sends noted in `sent`. */
function watched(transport: Transport, sent: string[]): Transport {
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    if ("method" in message) sent.push(message.method);
    return send(message, options);
  };
  return transport;
}

async function connectOver(url: URL, key: string) {
  const sent: string[] = [];
  const client = relayingClient({ name: "gateway", version: "1" });
  await connectUpstream(client, watched(new HttpClientTransport(url), sent), { key, incarnation: url.href });
  const era = upstreamEra(client);
  await client.close();
  return { era, sent };
}

describe("a remote server's era, per catalog entry and credential", () => {
  it("is 2026-07-28 for a server on the SDK's v2 line, and is adopted by the next connection", async () => {
    const url = await modernHttp();
    const key = `remote:${crypto.randomUUID()}/${crypto.randomUUID()}`;
    expect(await connectOver(url, key)).toEqual({ era: "modern", sent: ["server/discover"] });
    expect(await connectOver(url, key)).toEqual({ era: "modern", sent: [] });
    // Another credential for the same entry learns on its own.
    expect(await connectOver(url, `${key}-other`)).toEqual({ era: "modern", sent: ["server/discover"] });
  });

  it("is 2025 for server-everything 2026.8.31 (built on the SDK's v1 line), by falling back to initialize", async () => {
    const everything = await startEverythingHttp();
    stops.push(everything.stop);
    const url = new URL(everything.url);
    const key = `remote:${crypto.randomUUID()}/${crypto.randomUUID()}`;
    expect(await connectOver(url, key)).toEqual({
      era: "legacy",
      sent: ["server/discover", "initialize", "notifications/initialized"],
    });
    expect((await connectOver(url, key)).sent).toEqual(["initialize", "notifications/initialized"]);
  });

  it("is learned again when the entry's URL changed, or after a while (a remote restart cannot be seen)", async () => {
    const key = `remote:${crypto.randomUUID()}/${crypto.randomUUID()}`;
    const url = await modernHttp();
    await connectOver(url, key);
    expect(rememberedEra({ key, incarnation: url.href })?.kind).toBe("modern");
    expect(rememberedEra({ key, incarnation: "https://elsewhere.example/mcp" })).toBeUndefined();
    expect(rememberedEra({ key, incarnation: url.href }, Date.now() + 11 * 60_000)).toBeUndefined();
    forgetEra(key);
    expect(rememberedEra({ key, incarnation: url.href })).toBeUndefined();
  });

  it("a call given up on is cancelled by closing its stream, the 2026-07-28 way", async () => {
    const url = await modernHttp();
    const sent: string[] = [];
    const client = relayingClient({ name: "gateway", version: "1" });
    const where = { key: `remote:${crypto.randomUUID()}/x`, incarnation: url.href };
    await connectUpstream(client, watched(new HttpClientTransport(url), sent), where);
    const id = crypto.randomUUID();
    const call = client.request(
      { method: "tools/call", params: { name: "wait", arguments: { id } } },
      { timeout: 300 },
    );
    await expect(call).rejects.toThrow(/timed out/i);
    for (let i = 0; i < 100 && !serverLog.includes(`cancelled ${id}`); i++) await new Promise((r) => setTimeout(r, 20));
    expect(serverLog).toContain(`cancelled ${id}`);
    // No cancellation notice: 2026-07-28 has none over HTTP; the closed stream says it.
    expect(sent).not.toContain("notifications/cancelled");
    await client.close();
  });

  it("a client that is not connected counts as 2025", () => {
    expect(upstreamEra(new Client({ name: "t", version: "1" }))).toBe("legacy");
  });
});

describe("the 2026-07-28 standard request headers", () => {
  const request = (method: string, params: Record<string, unknown>) => ({
    jsonrpc: "2.0" as const,
    id: 1,
    method,
    params: { ...params, _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } },
  });

  it("name the revision, the method and what the method names, from the body", () => {
    expect(modernRequestHeaders(request("tools/call", { name: "get-sum" }))).toEqual({
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/call",
      "mcp-name": "get-sum",
    });
    expect(modernRequestHeaders(request("resources/read", { uri: "file:///ä b" }))?.["mcp-name"]).toBe(
      `=?base64?${Buffer.from("file:///ä b").toString("base64")}?=`,
    );
    expect(modernRequestHeaders(request("tools/list", {}))).toEqual({
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/list",
    });
  });

  it("keep the client's per-request headers, but not ones that would contradict the body", () => {
    const headers = modernRequestHeaders(request("tools/call", { name: "a" }), {
      "Mcp-Param-Region": "eu",
      "Mcp-Name": "b",
      Authorization: "Bearer stolen",
    });
    expect(headers).toEqual({
      "mcp-param-region": "eu",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/call",
      "mcp-name": "a",
    });
  });

  it("are not sent with 2025 requests, notifications or responses", () => {
    expect(
      modernRequestHeaders({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "a" } }),
    ).toBeUndefined();
    expect(modernRequestHeaders({ jsonrpc: "2.0", method: "notifications/initialized" })).toBeUndefined();
    expect(modernRequestHeaders({ jsonrpc: "2.0", id: 1, result: {} })).toBeUndefined();
  });

  it("encode values that are not plain printable ASCII", () => {
    expect(encodeHeaderValue("plain value")).toBe("plain value");
    expect(encodeHeaderValue(" padded")).toBe(`=?base64?${Buffer.from(" padded").toString("base64")}?=`);
    expect(encodeHeaderValue("")).toBe("=?base64??=");
    expect(encodeHeaderValue("=?base64?abc?=")).toMatch(/^=\?base64\?.+\?=$/);
    expect(encodeHeaderValue("=?base64?abc?=")).not.toBe("=?base64?abc?=");
  });
});
