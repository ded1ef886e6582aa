import { type CallToolResult, ProtocolError } from "@modelcontextprotocol/server";
import { describe, expect, it } from "vitest";
import { exchangeFromRequest } from "./exchange";
import type { GatewayScope } from "./gateway-server";
import { leanRequest, MODERN_REVISION } from "./lean-path";
import { serveLegacy } from "./legacy-leg";
import type { ExposedTool } from "./load-gateway";
import { serveModern } from "./modern-leg";
import type { GatewaySession } from "./session";

// The lean path and the SDK's path must answer alike: each outcome a tool call can have is served
// both ways, and the two JSON-RPC answers (and their HTTP status) compared.

const tool = { name: "echo", definition: { name: "echo", inputSchema: { type: "object" } } } as ExposedTool;
const session: GatewaySession = {
  tokenId: "t",
  gatewayId: "g",
  can: { sampling: false, elicitation: false, roots: false, url: false },
};

/** A scope whose tool calls end as `outcome` does, noting whether the SDK's server ran them. */
function scopeEnding(outcome: () => Promise<unknown>) {
  const seen = { bySdk: 0, byLean: 0 };
  const scope = {
    ctx: { gateway: { id: `g-${crypto.randomUUID()}`, slug: "lean" } },
    tools: [tool],
    byName: new Map([["echo", tool]]),
    assignments: [],
    sessionId: null,
    tokenId: "t",
    callTool: async (_call: unknown, server: unknown) => {
      if (server) seen.bySdk++;
      else seen.byLean++;
      return (await outcome()) as CallToolResult;
    },
  } as unknown as GatewayScope;
  return { scope, seen };
}

const envelope = (capabilities: Record<string, unknown> = {}) => ({
  "io.modelcontextprotocol/protocolVersion": MODERN_REVISION,
  "io.modelcontextprotocol/clientCapabilities": capabilities,
});
const call = (id: number, meta?: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "echo", arguments: { message: "x" }, ...(meta ? { _meta: meta } : {}) },
});
const headers = (modern: boolean) => ({
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  ...(modern ? { "mcp-protocol-version": MODERN_REVISION, "mcp-method": "tools/call", "mcp-name": "echo" } : {}),
});
const exchangeOf = (body: unknown, modern: boolean) =>
  exchangeFromRequest(
    new Request("http://gateway.test/api/mcp/lean", {
      method: "POST",
      headers: headers(modern),
      body: JSON.stringify(body),
    }),
  );

/** The JSON-RPC message of an answer, whether plain JSON or an event stream, with its status. */
async function messageOf(answer: unknown): Promise<{ status: number; message: unknown }> {
  if (!(answer instanceof Response)) {
    const plain = answer as { status: number; json: unknown };
    return { status: plain.status, message: plain.json };
  }
  const text = await answer.text();
  const data = text
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice(6)));
  return { status: answer.status, message: data.length ? data.at(-1) : JSON.parse(text) };
}

const allowed = async () => true;

/** Serves one call both ways in an era; returns both answers and which path ran the tool. */
async function bothWays(modern: boolean, outcome: () => Promise<unknown>, capabilities?: Record<string, unknown>) {
  const body = call(7, modern ? envelope(capabilities) : undefined);
  const leanScope = scopeEnding(outcome);
  const sdkScope = scopeEnding(outcome);
  const lean = modern
    ? await serveModern(exchangeOf(body, true), body, leanScope.scope, allowed, true)
    : await serveLegacy(exchangeOf(body, false), body, leanScope.scope, session);
  // Unclassified (modern) or without a session (2025), a request takes the SDK's path only.
  const sdk = modern
    ? await serveModern(exchangeOf(body, true), body, sdkScope.scope, allowed, false)
    : await serveLegacy(exchangeOf(body, false), body, sdkScope.scope, null);
  expect(sdkScope.seen).toEqual({ bySdk: 1, byLean: 0 });
  return { lean: await messageOf(lean), sdk: await messageOf(sdk), seen: leanScope.seen };
}

const plainResults: [string, CallToolResult][] = [
  ["text", { content: [{ type: "text", text: "Echo: x" }] }],
  [
    "structured, isError and _meta",
    { content: [{ type: "text", text: "{}" }], structuredContent: { a: 1 }, isError: true, _meta: { k: "v" } },
  ],
  ["no content items", { content: [] }],
];
const otherResults: [string, unknown][] = [
  ["an image", { content: [{ type: "image", data: "aGk=", mimeType: "image/png" }] }],
  ["a text item with annotations", { content: [{ type: "text", text: "x", annotations: { priority: 1 } }] }],
  ["a text item with a key no revision has", { content: [{ type: "text", text: "x", colour: "blue" }] }],
  ["no content at all", { structuredContent: { a: 1 } }],
  ["a top-level key of its own", { content: [], weird: 2 }],
  ["structuredContent that is no object", { content: [], structuredContent: 3 }],
  ["a reserved key in _meta", { content: [], _meta: { "io.modelcontextprotocol/serverInfo": { name: "evil" } } }],
];

describe.each([
  { era: "2026-07-28", modern: true },
  { era: "2025", modern: false },
])("the lean path answers as the SDK's path does, $era", ({ modern }) => {
  it.each(plainResults)("a plain result (%s) is framed on the lean path, alike", async (_, result) => {
    const { lean, sdk, seen } = await bothWays(modern, async () => result);
    expect(seen).toEqual({ bySdk: 0, byLean: 1 });
    expect(lean).toEqual(sdk);
  });

  it.each(otherResults)("a result with %s is framed by the SDK, the call made once", async (_, result) => {
    const { lean, sdk, seen } = await bothWays(modern, async () => result);
    expect(seen).toEqual({ bySdk: 0, byLean: 1 });
    expect(lean).toEqual(sdk);
  });

  it("an error the call throws is answered by the SDK, alike", async () => {
    const { lean, sdk } = await bothWays(modern, async () => {
      throw new ProtocolError(-32602, "Unknown tool: echo");
    });
    expect(lean).toEqual(sdk);
    expect((lean.message as { error: { code: number } }).error.code).toBe(-32602);
  });

  it("a failure that is no protocol error is answered by the SDK, alike", async () => {
    const { lean, sdk } = await bothWays(modern, async () => {
      throw new Error("the upstream vanished");
    });
    expect(lean).toEqual(sdk);
  });
});

describe("2026-07-28 input_required", () => {
  const asking = async () => ({
    resultType: "input_required",
    inputRequests: {
      q: {
        method: "elicitation/create",
        params: { message: "Colour?", requestedSchema: { type: "object", properties: {} } },
      },
    },
  });

  it("to a caller who declared elicitation, is framed by the SDK alike", async () => {
    const { lean, sdk } = await bothWays(true, asking, { elicitation: {} });
    expect(lean).toEqual(sdk);
    expect((lean.message as { result: { resultType: string } }).result.resultType).toBe("input_required");
  });

  it("to a caller who did not, is refused by the SDK alike (-32021)", async () => {
    const { lean, sdk } = await bothWays(true, asking);
    expect(lean).toEqual(sdk);
    expect((lean.message as { error: { code: number } }).error.code).toBe(-32021);
  });
});

describe("which requests take the lean path", () => {
  const header = (extra: Record<string, string> = {}) => {
    const all: Record<string, string> = { ...headers(true), ...extra };
    return (name: string) => all[name] ?? null;
  };
  const modern = { modern: true } as const;

  it("a plain 2026-07-28 tools/call with matching headers", () => {
    expect(leanRequest(header(), call(1, envelope()), modern)).toMatchObject({ id: 1, method: "tools/call" });
  });

  it.each([
    ["an Mcp-Name for another tool", header({ "mcp-name": "other" }), call(1, envelope())],
    ["an encoded Mcp-Name", header({ "mcp-name": "=?base64?ZWNobw==?=" }), call(1, envelope())],
    ["another Mcp-Method", header({ "mcp-method": "tools/list" }), call(1, envelope())],
    ["no Mcp-Protocol-Version", header({ "mcp-protocol-version": "" }), call(1, envelope())],
    ["a progress token", header(), call(1, { ...envelope(), progressToken: 1 })],
    ["a log level", header(), call(1, { ...envelope(), "io.modelcontextprotocol/logLevel": "info" })],
    [
      "a requestState",
      header(),
      { ...call(1, envelope()), params: { ...call(1, envelope()).params, requestState: "s" } },
    ],
    ["no envelope", header(), call(1)],
    ["arguments that are no object", header(), { ...call(1, envelope()), params: { name: "echo", arguments: [1] } }],
    ["a content type that is not JSON", header({ "content-type": "text/plain" }), call(1, envelope())],
    // Found in review: String.trim strips a no-break space, which HTTP (and the SDK) does not.
    ["an Mcp-Name with a no-break space", header({ "mcp-name": "echo\u00a0" }), call(1, envelope())],
    ["a fractional id", header(), { ...call(1, envelope()), id: 1.5 }],
    ["a member JSON-RPC does not define", header(), { ...call(1, envelope()), result: {} }],
  ])("not with %s", (_, h, body) => {
    expect(leanRequest(h, body, modern)).toBeNull();
  });

  it("a 2025 tools/list only with no params or empty ones", () => {
    const h = header();
    const list = (params?: unknown) => ({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/list",
      ...(params === undefined ? {} : { params }),
    });
    expect(leanRequest(h, list(), { modern: false, session })).not.toBeNull();
    expect(leanRequest(h, list({}), { modern: false, session })).not.toBeNull();
    expect(leanRequest(h, list(3), { modern: false, session })).toBeNull();
    expect(leanRequest(h, list({ cursor: "c" }), { modern: false, session })).toBeNull();
  });

  it("a 2025 call only from a session whose client cannot be asked anything", () => {
    const h = header();
    expect(leanRequest(h, call(1), { modern: false, session })).not.toBeNull();
    expect(leanRequest(h, call(1), { modern: false, session: null })).toBeNull();
    const askable = { ...session, can: { ...session.can, elicitation: true } };
    expect(leanRequest(h, call(1), { modern: false, session: askable })).toBeNull();
    const list = { jsonrpc: "2.0", id: 1, method: "tools/list" };
    expect(leanRequest(h, list, { modern: false, session: askable })).not.toBeNull();
  });
});
