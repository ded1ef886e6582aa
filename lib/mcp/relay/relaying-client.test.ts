import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Client } from "@modelcontextprotocol/client";
import { InMemoryTransport } from "@modelcontextprotocol/client";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import {
  CallToolRequestSchema,
  ElicitResultSchema,
  ListToolsRequestSchema,
  ResultSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { HttpClientTransport } from "@/lib/mcp/http-client-transport";
import { upstreamEra } from "@/lib/mcp/upstream-era";
import { ChildStdioTransport } from "@/lib/orchestrator/child-stdio-transport";
import { type ClientChannel, openCall } from "./inflight";
import { relayingClient } from "./relaying-client";

/**
 * A real upstream server that, like the one in the report, asks its client something a while
 * into a call and does not stop when the call is cancelled. It notes what became of each question.
 */
function askingServer(outcomes: Map<string, string>): Server {
  const server = new Server({ name: "asker", version: "1" }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [] }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { question, delayMs } = request.params.arguments as { question: string; delayMs: number };
    await new Promise((r) => setTimeout(r, delayMs));
    if (question === "") return { content: [] };
    try {
      const reply = await server.request(
        {
          method: "elicitation/create",
          params: { message: question, requestedSchema: { type: "object", properties: {} } },
        },
        ElicitResultSchema,
        { relatedRequestId: extra.requestId },
      );
      outcomes.set(question, `answered by ${(reply.content as { by: string }).by}`);
    } catch (err) {
      outcomes.set(question, `refused: ${(err as Error).message}`);
    }
    return { content: [{ type: "text", text: "done" }] };
  });
  return server;
}

/** A gateway-side call as `callGatewayTool` makes it, for `principal`; what it is asked goes to `asked`. */
function callAs(
  client: Client,
  principal: string,
  args: { question: string; delayMs: number },
  asked: string[],
  signal?: AbortSignal,
) {
  const channel: ClientChannel = {
    principal,
    async request(message) {
      asked.push(`${principal} was asked: ${message.params?.message}`);
      return { action: "accept", content: { by: principal } };
    },
    notify: () => {},
    flush: async () => {},
  };
  const tracked = openCall(client, channel, { principal, lingerMs: 10_000 });
  return tracked
    .send(() =>
      client.request({ method: "tools/call", params: { name: "ask", arguments: args } }, ResultSchema, { signal }),
    )
    .finally(() => tracked.end());
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
};

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

describe("a server's request over a connection without correlation (stdio)", () => {
  async function connect(outcomes: Map<string, string>) {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await askingServer(outcomes).connect(serverSide);
    const client = relayingClient({ name: "gateway", version: "1" });
    await client.connect(clientSide);
    cleanups.push(() => client.close());
    return client;
  }

  it("for a call given up on reaches nobody when another person's call is open, and the server is refused", async () => {
    const outcomes = new Map<string, string>();
    const asked: string[] = [];
    const client = await connect(outcomes);
    const alice = new AbortController();
    const aliceCall = callAs(client, "user:alice", { question: "alice's secret", delayMs: 300 }, asked, alice.signal);
    aliceCall.catch(() => {});
    const bobCall = callAs(client, "user:bob", { question: "", delayMs: 600 }, asked);
    await new Promise((r) => setTimeout(r, 50));
    alice.abort("changed my mind");
    await expect(aliceCall).rejects.toThrow();
    await until(() => outcomes.has("alice's secret"));
    expect(outcomes.get("alice's secret")).toMatch(/^refused: .*calls of several callers/);
    expect(asked).toEqual([]);
    await expect(bobCall).resolves.toBeDefined();
  });

  it("reaches the same person's other call; not someone else's while the server may still run the call", async () => {
    const outcomes = new Map<string, string>();
    const asked: string[] = [];
    const client = await connect(outcomes);
    const first = new AbortController();
    const firstCall = callAs(client, "user:alice", { question: "first", delayMs: 200 }, asked, first.signal);
    firstCall.catch(() => {});
    const second = callAs(client, "user:alice", { question: "", delayMs: 400 }, asked);
    first.abort();
    await until(() => outcomes.has("first"));
    expect(outcomes.get("first")).toBe("answered by user:alice");
    await second;
    // The server never answered the cancelled call (as the protocol asks), so for all the gateway
    // knows it still runs: a call of someone else shares its life.
    await callAs(client, "user:bob", { question: "bob's own", delayMs: 0 }, asked);
    expect(outcomes.get("bob's own")).toMatch(/^refused: /);
    expect(asked).toEqual(["user:alice was asked: first"]);
  });

  it("reaches someone else's call once the calls before it are over", async () => {
    const outcomes = new Map<string, string>();
    const asked: string[] = [];
    const client = await connect(outcomes);
    await callAs(client, "user:alice", { question: "alice's", delayMs: 0 }, asked);
    await callAs(client, "user:bob", { question: "bob's", delayMs: 0 }, asked);
    expect(asked).toEqual(["user:alice was asked: alice's", "user:bob was asked: bob's"]);
  });
});

describe("a server's request over streamable HTTP", () => {
  it("goes to the call on whose stream it came, and to nobody once that call is given up on", async () => {
    const outcomes = new Map<string, string>();
    const transports = new Map<string, StreamableHTTPServerTransport>();
    const httpServer = http.createServer(async (req, res) => {
      const session = req.headers["mcp-session-id"];
      let transport = typeof session === "string" ? transports.get(session) : undefined;
      if (!transport) {
        const created = new StreamableHTTPServerTransport({
          sessionIdGenerator: randomUUID,
          onsessioninitialized: (id) => void transports.set(id, created),
        });
        await askingServer(outcomes).connect(created);
        transport = created;
      }
      await transport.handleRequest(req, res);
    });
    await new Promise<void>((r) => httpServer.listen(0, "127.0.0.1", r));
    cleanups.push(async () => {
      httpServer.closeAllConnections();
      await new Promise((r) => httpServer.close(r));
    });
    const { port } = httpServer.address() as AddressInfo;
    const client = relayingClient({ name: "gateway", version: "1" });
    await client.connect(new HttpClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    cleanups.push(() => client.close());

    const asked: string[] = [];
    const alice = new AbortController();
    const aliceCall = callAs(client, "user:alice", { question: "alice's secret", delayMs: 300 }, asked, alice.signal);
    aliceCall.catch(() => {});
    const bobCall = callAs(client, "user:bob", { question: "bob's own", delayMs: 400 }, asked);
    await new Promise((r) => setTimeout(r, 50));
    alice.abort();
    await bobCall;
    await new Promise((r) => setTimeout(r, 500));
    // The cancelled call's stream is closed when the cancellation goes out, so its question
    // cannot reach the gateway at all; had it come, it would be refused as "has ended".
    expect(outcomes.get("alice's secret") ?? "never sent").toMatch(/^(never sent|refused: .*has ended)/);
    // Bob's call shared its life with Alice's, but the stream says which call asks.
    expect(outcomes.get("bob's own")).toBe("answered by user:bob");
    expect(asked).toEqual(["user:bob was asked: bob's own"]);
  });
});

/** The 2026-07-28 test server (SDK v2): over stdio, or over HTTP on a free port. */
async function modernServer(http: boolean) {
  const child = spawn(process.execPath, ["test/servers/modern-server.mjs", ...(http ? ["--http", "0"] : [])], {
    stdio: "pipe",
  });
  cleanups.push(async () => void child.kill());
  await new Promise((r) => child.once("spawn", r));
  if (!http) return new ChildStdioTransport(child);
  const port = await new Promise<string>((resolve) => {
    child.stdout.on("data", (chunk: Buffer) => {
      const m = /listening (\d+)/.exec(chunk.toString());
      if (m?.[1]) resolve(m[1]);
    });
  });
  return new HttpClientTransport(new URL(`http://127.0.0.1:${port}/mcp`));
}

/** A call for `principal` whose caller answers each elicitation with the next of `names`. */
function askedCall(client: Client, principal: string, tool: string, names: string[], asked: string[]) {
  const channel: ClientChannel = {
    principal,
    async request(message) {
      asked.push(`${principal} was asked (${message.method}): ${message.params?.message}`);
      return { action: "accept", content: { name: names.shift() } };
    },
    notify: () => {},
    flush: async () => {},
  };
  const tracked = openCall(client, channel, { principal, lingerMs: 10_000 });
  return tracked
    .send(() => client.request({ method: "tools/call", params: { name: tool, arguments: {} } }, ResultSchema))
    .finally(() => tracked.end());
}

describe.each([
  ["stdio", false],
  ["streamable HTTP", true],
])("a 2026-07-28 server over %s that answers input_required", (_name, overHttp) => {
  async function connect() {
    const client = relayingClient({ name: "gateway", version: "1" });
    await client.connect(await modernServer(overHttp));
    cleanups.push(() => client.close());
    expect(upstreamEra(client)).toBe("modern");
    return client;
  }

  it("has its question asked of the calling client, and the call retried with the answer and its state", async () => {
    const client = await connect();
    const asked: string[] = [];
    const result = await askedCall(client, "user:alice", "ask_name", ["Ada"], asked);
    expect(result.content).toEqual([{ type: "text", text: "hello Ada (state asked-name)" }]);
    expect(asked).toEqual(["user:alice was asked (elicitation/create): What is your name?"]);
  });

  it("asks again over several rounds, each round's question reaching the same caller", async () => {
    const client = await connect();
    const asked: string[] = [];
    const other: string[] = [];
    const [result, bob] = await Promise.all([
      askedCall(client, "user:alice", "ask_twice", ["Ada", "Lovelace"], asked),
      askedCall(client, "user:bob", "ask_name", ["Bob"], other),
    ]);
    expect(result.content).toEqual([{ type: "text", text: "Ada Lovelace" }]);
    expect(asked).toEqual([
      "user:alice was asked (elicitation/create): First name?",
      "user:alice was asked (elicitation/create): Last name, Ada?",
    ]);
    // Calls of two people at once: each question is embedded in its own call's answer.
    expect(bob.content).toEqual([{ type: "text", text: "hello Bob (state asked-name)" }]);
    expect(other).toEqual(["user:bob was asked (elicitation/create): What is your name?"]);
  });
});
