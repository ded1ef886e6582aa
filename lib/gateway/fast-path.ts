import { canBeAsked, type GatewaySession } from "./session";

/**
 * Whether a request can be answered with plain JSON without the SDK's per-request server: a
 * well-formed tools/list, or a tools/call without progress from a session whose client cannot
 * be asked anything, sent with the headers the transport requires (the protocol version was
 * checked by the leg). Anything else (and every
 * malformed request) takes the SDK's path, which answers it per the specification.
 */
export function fastPathMessage(
  header: (name: string) => string | null,
  body: unknown,
  session: GatewaySession | null,
): { id: string | number; method: "tools/list" | "tools/call" } | null {
  if (!session) return null;
  const m = body as {
    jsonrpc?: unknown;
    id?: unknown;
    method?: unknown;
    params?: { _meta?: { progressToken?: unknown } };
  };
  if (m?.jsonrpc !== "2.0" || (typeof m.id !== "string" && typeof m.id !== "number")) return null;
  if (m.method !== "tools/list" && m.method !== "tools/call") return null;
  if (m.params?._meta?.progressToken !== undefined) return null;
  if (m.method === "tools/call" && canBeAsked(session)) return null;
  const accept = header("accept") ?? "";
  if (!accept.includes("application/json") || !accept.includes("text/event-stream")) return null;
  if (!header("content-type")?.includes("application/json")) return null;
  return { id: m.id, method: m.method };
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** A tools/call's params as the gateway needs them, or what is wrong with them. */
export function toolCallParams(body: unknown): { name: string; arguments?: Record<string, unknown> } | string {
  const params = (body as { params?: unknown }).params;
  if (!isObject(params)) return "params must be an object";
  if (typeof params.name !== "string") return "params.name must be a string";
  if (params.arguments !== undefined && !isObject(params.arguments)) return "params.arguments must be an object";
  return params as { name: string; arguments?: Record<string, unknown> };
}
