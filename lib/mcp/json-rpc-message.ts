import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

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
