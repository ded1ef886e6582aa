import {
  type CallToolResult,
  type InputRequiredResult,
  isJsonContentType,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  SERVER_INFO_META_KEY,
} from "@modelcontextprotocol/server";
import type { GatewayScope, HandlerContext, ToolCall } from "./gateway-server";
import { canBeAsked, type GatewaySession } from "./session";

/**
 * The lean path: the common tools/call (and a 2025 session's tools/list) answered without the
 * SDK's per-request server and transport, which cost several times what the gateway's own work
 * does (bench/compare.ts). It is no second implementation of the protocol:
 *
 * - It takes only requests whose every part the SDK would accept as they are: anything unusual
 *   or malformed (a header that disagrees, an encoded name, extra params, progress or log
 *   levels asked for, a requestState) takes the SDK's path, which answers it per the revision.
 * - It calls the same handler as the SDK's path (`scope.callTool`).
 * - It frames only a plain complete result: one the SDK would send unchanged but for what it
 *   adds (`resultType` and its identity in `_meta`, in 2026-07-28). Every other outcome (an
 *   `input_required` result, an error, content the SDK would normalise) is handed to the SDK's
 *   path with the outcome already known (`replay`), so the SDK frames it.
 *
 * lean-path.test.ts holds both paths to the same answers.
 */

const RESERVED_META = "io.modelcontextprotocol/";

/** The 2026-07-28 revision, the one the lean path takes (the SDK answers any other). */
export const MODERN_REVISION = "2026-07-28";

type Message = { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };

/** HTTP's optional whitespace is spaces and tabs only (String.trim takes more, which the SDK does not). */
const withoutOws = (value: string | null) => value?.replace(/^[ \t]+|[ \t]+$/g, "");

/** Whether the 2026-07-28 standard headers name this revision and `method`, exactly. */
export const headersName = (header: (name: string) => string | null, method: string) =>
  withoutOws(header("mcp-protocol-version")) === MODERN_REVISION && withoutOws(header("mcp-method")) === method;

/** A request exactly as JSON-RPC has one: an integer or string id, and no member it does not define. */
function plainMessage(m: Message): m is Message & { id: string | number } {
  if (m?.jsonrpc !== "2.0" || !(typeof m.id === "string" || Number.isSafeInteger(m.id))) return false;
  for (const key in m) if (key !== "jsonrpc" && key !== "id" && key !== "method" && key !== "params") return false;
  return true;
}
export type LeanRequest = { id: string | number; method: "tools/list" | "tools/call"; call?: LeanCall };
type LeanCall = { name: string; arguments?: Record<string, unknown>; _meta?: Record<string, unknown> };

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** tools/call params the SDK takes as they are: a name, object arguments, and `_meta` only. */
function plainCallParams(params: unknown): LeanCall | null {
  if (!isObject(params) || typeof params.name !== "string") return null;
  for (const key in params) if (key !== "name" && key !== "arguments" && key !== "_meta") return null;
  if (params.arguments !== undefined && !isObject(params.arguments)) return null;
  if (params._meta !== undefined && !isObject(params._meta)) return null;
  if ((params._meta as Record<string, unknown> | undefined)?.progressToken !== undefined) return null;
  return params as LeanCall;
}

/** The request, when it is one the lean path takes in its era; null sends it down the SDK's path. */
export function leanRequest(
  header: (name: string) => string | null,
  body: unknown,
  era: { modern: true } | { modern: false; session: GatewaySession | null },
): LeanRequest | null {
  const m = body as Message;
  if (!plainMessage(m)) return null;
  if (!isJsonContentType(header("content-type"))) return null;
  const accept = header("accept") ?? "";
  if (!accept.includes("application/json") || !accept.includes("text/event-stream")) return null;
  if (!era.modern) {
    // A 2025 session's plain JSON exchange: nothing the server asks could reach its client.
    if (!era.session) return null;
    if (m.method === "tools/list")
      return m.params === undefined || (isObject(m.params) && Object.keys(m.params).length === 0)
        ? { id: m.id, method: "tools/list" }
        : null;
    if (m.method !== "tools/call" || canBeAsked(era.session)) return null;
    const call = plainCallParams(m.params);
    return call ? { id: m.id, method: "tools/call", call } : null;
  }
  if (m.method !== "tools/call") return null;
  const call = plainCallParams(m.params);
  const meta = call?._meta;
  if (!call || !meta || meta[PROTOCOL_VERSION_META_KEY] !== MODERN_REVISION || LOG_LEVEL_META_KEY in meta) return null;
  // The standard headers exactly as the body has them (the SDK checks every other form).
  if (!headersName(header, "tools/call")) return null;
  const name = withoutOws(header("mcp-name"));
  if (name !== call.name || name.startsWith("=?")) return null;
  return { id: m.id, method: "tools/call", call };
}

/**
 * A complete result the SDK sends unchanged but for what it adds: text content only, and the
 * result's own `structuredContent`, `isError` and `_meta` (its schema keeps all three whole).
 */
function plainResult(result: CallToolResult | InputRequiredResult): result is CallToolResult {
  for (const key in result) {
    const value = (result as Record<string, unknown>)[key];
    if (key === "content" || (key === "isError" && typeof value === "boolean")) continue;
    if (key === "structuredContent" && isObject(value)) continue;
    // `_meta` of the server's own only: reserved keys (the revision's) are the SDK's to frame.
    if (key === "_meta" && isObject(value) && !Object.keys(value).some((k) => k.startsWith(RESERVED_META))) continue;
    return false;
  }
  if (!Array.isArray(result.content)) return false;
  for (const item of result.content) {
    if (item.type !== "text" || typeof item.text !== "string") return false;
    for (const key in item) if (key !== "type" && key !== "text") return false;
  }
  return true;
}

/** How a tool call ended: its result, or what it threw. */
export type Outcome = { result: CallToolResult | InputRequiredResult } | { error: unknown };

/** A handler that ends as the call already did: the SDK's path frames an outcome the lean path does not. */
export const replay =
  (outcome: Outcome): GatewayScope["callTool"] =>
  async () => {
    if ("error" in outcome) throw outcome.error;
    return outcome.result;
  };

/** Runs a lean tools/call through the same handler as the SDK's path. */
export async function leanCall(
  scope: GatewayScope,
  id: string | number,
  call: LeanCall,
  c: { envelope?: Record<string, unknown>; authInfo?: unknown },
): Promise<Outcome> {
  // The edge watches for the client going away (toolCallRunner cancels the call then).
  const signal = NEVER_ABORTED;
  const context = {
    mcpReq: {
      id,
      method: "tools/call",
      signal,
      _meta: call._meta,
      envelope: c.envelope,
      inputResponses: undefined,
      requestState: () => undefined,
      // Nothing is sent during a lean call (no progress or log level was asked for).
      notify: async () => {},
    },
    http: c.authInfo === undefined ? undefined : { authInfo: c.authInfo },
  } as unknown as HandlerContext;
  const toolCall: ToolCall = { name: call.name, arguments: call.arguments, requestId: id, signal };
  try {
    return { result: await scope.callTool(toolCall, undefined, context) };
  } catch (error) {
    return { error };
  }
}

const NEVER_ABORTED = new AbortController().signal;

/** The body answering a lean call whose outcome the lean path frames; null hands it to the SDK's path. */
export function leanAnswer(
  id: string | number,
  outcome: Outcome,
  modern: { serverInfo: { name: string; version: string } } | null,
): object | null {
  if (!("result" in outcome) || !plainResult(outcome.result)) return null;
  if (!modern) return { jsonrpc: "2.0", id, result: outcome.result };
  const { _meta, ...rest } = outcome.result;
  return {
    result: { _meta: { ..._meta, [SERVER_INFO_META_KEY]: modern.serverInfo }, ...rest, resultType: "complete" },
    jsonrpc: "2.0",
    id,
  };
}
