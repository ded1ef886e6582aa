import http from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@modelcontextprotocol/client";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEverythingHttp } from "@/test/support/mcp-servers";
import { HttpClientTransport } from "./http-client-transport";

const text = (r: unknown) => (r as { content: { text: string }[] }).content[0]?.text;

describe("HttpClientTransport against server-everything (answers as event streams)", () => {
  let server: { url: string; stop(): void };
  let url: URL;
  beforeAll(async () => {
    server = await startEverythingHttp();
    url = new URL(server.url);
  });
  afterAll(() => {
    server.stop();
  });

  it("initializes a session, lists and calls tools, with progress, and many calls at once", async () => {
    const transport = new HttpClientTransport(url);
    const client = new Client({ name: "t", version: "1" }, { versionNegotiation: { mode: "auto" } });
    await client.connect(transport);
    expect(transport.sessionId).toMatch(/.+/);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain("echo");
    expect(text(await client.callTool({ name: "echo", arguments: { message: "hi" } }))).toBe("Echo: hi");
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.callTool({ name: "echo", arguments: { message: `m${i}` } })),
    );
    expect(answers.map(text)).toEqual(Array.from({ length: 20 }, (_, i) => `Echo: m${i}`));
    const progress: number[] = [];
    await client.callTool(
      { name: "trigger-long-running-operation", arguments: { duration: 0.2, steps: 2 } },
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(progress).toEqual([1, 2]);
    await client.close();
  });
});

describe("HttpClientTransport against the SDK's server (JSON answers, its own event stream, auth)", () => {
  let server: http.Server;
  let url: URL;
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; mcp: McpServer }>();
  const tokens = { valid: "fresh", seen: [] as string[] };

  beforeAll(async () => {
    server = http.createServer(async (req, res) => {
      const auth = req.headers.authorization ?? "";
      tokens.seen.push(auth);
      if (auth !== `Bearer ${tokens.valid}`) return void res.writeHead(401).end();
      const id = req.headers["mcp-session-id"];
      const known = typeof id === "string" ? sessions.get(id) : undefined;
      if (typeof id === "string" && !known) return void res.writeHead(404).end("unknown session");
      if (known) return void known.transport.handleRequest(req, res);
      const mcp = new McpServer({ name: "sdk", version: "1" });
      mcp.registerTool("add", { description: "adds" }, async () => ({ content: [{ type: "text", text: "3" }] }));
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        enableJsonResponse: true,
        onsessioninitialized: (sid) => void sessions.set(sid, { transport, mcp }),
      });
      await mcp.connect(transport);
      await transport.handleRequest(req, res);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it("sends the bearer token, and asks again once with the refused one after a 401", async () => {
    const asked: (string | undefined)[] = [];
    tokens.valid = "fresh";
    const transport = new HttpClientTransport(url, {
      bearer: async (refused) => {
        asked.push(refused);
        return refused ? "fresh" : "stale";
      },
    });
    const client = new Client({ name: "t", version: "1" }, { versionNegotiation: { mode: "auto" } });
    await client.connect(transport);
    expect(asked.slice(0, 2)).toEqual([undefined, "stale"]);
    expect(text(await client.callTool({ name: "add", arguments: {} }))).toBe("3");
    await client.close();
  });

  it("hears what the server sends outside any call on its event stream", async () => {
    tokens.valid = "t";
    const client = new Client({ name: "t", version: "1" }, { versionNegotiation: { mode: "auto" } });
    const heard = new Promise<void>((resolve) =>
      client.setNotificationHandler("notifications/tools/list_changed", async () => resolve()),
    );
    const transport = new HttpClientTransport(url, { bearer: async () => "t" });
    await client.connect(transport);
    const session = sessions.get(transport.sessionId as string);
    // The GET stream opens after initialization; give it a moment, then change the tools.
    await expect.poll(() => tokens.seen.length).toBeGreaterThan(3);
    await new Promise((r) => setTimeout(r, 100));
    session?.mcp.registerTool("sub", { description: "subtracts" }, async () => ({ content: [] }));
    await heard;
    await client.close();
  });

  it("closes when the server no longer knows the session, so the next call opens a new one", async () => {
    tokens.valid = "t";
    const transport = new HttpClientTransport(url, { bearer: async () => "t" });
    const client = new Client({ name: "t", version: "1" }, { versionNegotiation: { mode: "auto" } });
    let closed = false;
    client.onclose = () => {
      closed = true;
    };
    await client.connect(transport);
    sessions.delete(transport.sessionId as string);
    await expect(client.callTool({ name: "add", arguments: {} })).rejects.toThrow(/HTTP 404/);
    await expect.poll(() => closed).toBe(true);
  });
});

/**
 * A hostile server: it answers initialize properly, then each tool call in its own way (a 100 MB
 * JSON body, one event that never ends, progress forever with no answer, an answer on a stream it
 * never closes). It counts what it sent and sees when the client hung up.
 */
describe("HttpClientTransport against a server whose answers never end", () => {
  let server: http.Server;
  let url: URL;
  const sent = new Map<string, number>();
  const hungUp = new Set<string>();

  beforeAll(async () => {
    server = http.createServer(async (req, res) => {
      if (req.method !== "POST") return void res.writeHead(405).end();
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const msg = JSON.parse(Buffer.concat(chunks).toString()) as {
        id?: number;
        method: string;
        params?: { name?: string };
      };
      if (msg.id === undefined) return void res.writeHead(202).end();
      const answer = (result: unknown) => JSON.stringify({ jsonrpc: "2.0", id: msg.id, result });
      if (msg.method === "initialize") {
        res.writeHead(200, { "content-type": "application/json", "mcp-session-id": "s1" });
        return void res.end(
          answer({
            protocolVersion: "2025-06-18",
            capabilities: { tools: {} },
            serverInfo: { name: "evil", version: "1" },
          }),
        );
      }
      const name = msg.params?.name ?? "";
      if (name === "ok") {
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end(answer({ content: [{ type: "text", text: "fine" }] }));
      }
      res.once("close", () => hungUp.add(name));
      const chunk = Buffer.alloc(64 * 1024, "x");
      const pump = (prefix: string, total: number, suffix: string) => {
        res.write(prefix);
        let count = 0;
        const more = () => {
          while (!res.destroyed && count < total) {
            count += chunk.length;
            sent.set(name, count);
            if (!res.write(chunk)) return void res.once("drain", more);
          }
          if (!res.destroyed) res.end(suffix);
        };
        more();
      };
      if (name === "huge-json") {
        res.writeHead(200, { "content-type": "application/json" });
        return pump(
          `{"jsonrpc":"2.0","id":${msg.id},"result":{"content":[{"type":"text","text":"`,
          100 * 1024 * 1024,
          '"}]}}',
        );
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      if (name === "huge-event") return pump("event: message\ndata: ", Number.POSITIVE_INFINITY, "");
      if (name === "forever") {
        const timer = setInterval(() => {
          const note = { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "tick" } };
          res.write(`event: message\ndata: ${JSON.stringify(note)}\n\n`);
        }, 20);
        return void res.once("close", () => clearInterval(timer));
      }
      if (name === "answer-then-stay") {
        res.write(`event: message\ndata: ${answer({ content: [{ type: "text", text: "done" }] })}\n\n`);
        return; // and never end
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const connect = async () => {
    // This server answers anything it does not know with a stream that never ends: no era probe.
    const client = new Client({ name: "t", version: "1" });
    await client.connect(new HttpClientTransport(url, { maxMessageBytes: 1024 * 1024 }));
    return client;
  };

  it("a 100 MB JSON answer fails that call with a clear error, unread; the connection serves the next call", async () => {
    const client = await connect();
    await expect(client.callTool({ name: "huge-json", arguments: {} })).rejects.toThrow(
      /larger than 1 MB, the most the gateway accepts/,
    );
    await expect.poll(() => hungUp.has("huge-json")).toBe(true);
    expect(sent.get("huge-json") ?? 0).toBeLessThan(50 * 1024 * 1024);
    expect(text(await client.callTool({ name: "ok", arguments: {} }))).toBe("fine");
    await client.close();
  });

  it("an event that never ends fails that call; the connection serves the next call", async () => {
    const client = await connect();
    await expect(client.callTool({ name: "huge-event", arguments: {} })).rejects.toThrow(/larger than 1 MB/);
    await expect.poll(() => hungUp.has("huge-event")).toBe(true);
    expect(sent.get("huge-event") ?? 0).toBeLessThan(50 * 1024 * 1024);
    expect(text(await client.callTool({ name: "ok", arguments: {} }))).toBe("fine");
    await client.close();
  });

  it("a stream that never answers is closed when the call times out; one that stays open after its answer, soon after it", async () => {
    const client = await connect();
    await expect(client.callTool({ name: "forever", arguments: {} }, { timeout: 300 })).rejects.toThrow(/timed out/i);
    await expect.poll(() => hungUp.has("forever")).toBe(true);
    expect(text(await client.callTool({ name: "answer-then-stay", arguments: {} }))).toBe("done");
    await expect.poll(() => hungUp.has("answer-then-stay"), { timeout: 3000 }).toBe(true);
    await client.close();
  });
});
