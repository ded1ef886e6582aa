import { ErrorCode, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { getEnv } from "@/lib/env";

/**
 * The shape every JSON-RPC 2.0 message has, checked on what upstream servers send (stdio lines,
 * HTTP answers and event streams); what a message carries is checked by whoever handles it.
 */
export function isJsonRpcMessage(x: unknown): x is JSONRPCMessage {
  if (typeof x !== "object" || x === null || (x as { jsonrpc?: unknown }).jsonrpc !== "2.0") return false;
  const m = x as { method?: unknown; id?: unknown; result?: unknown; error?: unknown };
  if (m.method !== undefined) return typeof m.method === "string";
  const idOk = typeof m.id === "string" || typeof m.id === "number";
  return (
    (idOk && typeof m.result === "object" && m.result !== null) || (typeof m.error === "object" && m.error !== null)
  );
}

/**
 * The largest message an upstream server may send: one stdio line, one JSON answer, one event of
 * an event stream (ARCHESTRA_GATEWAY_MAX_UPSTREAM_MESSAGE_MB). Anything larger is dropped unread
 * and the call it answered fails; the connection goes on serving other calls.
 */
export function maxUpstreamMessageBytes(): number {
  return getEnv().ARCHESTRA_GATEWAY_MAX_UPSTREAM_MESSAGE_MB * 1024 * 1024;
}

const inMegabytes = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB` : `${bytes} bytes`;

/** The answer a call gets in place of a server's answer that was too large to read. */
export function tooLargeAnswer(id: string | number, limit: number): JSONRPCMessage {
  return {
    jsonrpc: "2.0",
    id,
    error: {
      code: ErrorCode.InternalError,
      message: `The server's answer is larger than ${inMegabytes(limit)}, the most the gateway accepts from a server (ARCHESTRA_GATEWAY_MAX_UPSTREAM_MESSAGE_MB): it was dropped. Ask for less (a page, a range, a smaller resource).`,
    },
  };
}

const ID = String.raw`(-?\d+|"(?:[^"\\]|\\.){0,200}")`;
/** `{"id":…` or `{"jsonrpc":"2.0","id":…` at the start of a message: an id of the outermost object. */
const ID_AT_START = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${ID}\s*[,}]`);
/** `…,"id":5}` at the very end: a scalar right before the last brace belongs to the outermost object. */
const ID_AT_END = new RegExp(String.raw`[,{]\s*"id"\s*:\s*${ID}\s*\}\s*$`);

/**
 * The id of a message too large to parse, read from its first and last bytes where it stands at
 * the outermost level (where SDKs put it), so the call it answers can fail at once rather than
 * time out. A message whose start names a method is a server's own request: no id (its caller is
 * the server, not one of ours).
 */
export function idOfOversized(head: string, tail: string): string | number | undefined {
  const m = ID_AT_START.exec(head) ?? ID_AT_END.exec(tail);
  if (!m?.[1]) return undefined;
  if (/"method"\s*:/.test(head.slice(0, 200))) return undefined;
  try {
    return JSON.parse(m[1]) as string | number;
  } catch {
    return undefined;
  }
}
