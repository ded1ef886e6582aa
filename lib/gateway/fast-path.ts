import { SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
import { canBeAsked, type GatewaySession } from "./session";

/**
 * Whether a request can be answered with plain JSON without the SDK's per-request server: a
 * well-formed tools/list, or a tools/call without progress from a session whose client cannot
 * be asked anything, sent with the headers the transport requires. Anything else (and every
 * malformed request) takes the SDK's path, which answers it per the specification.
 */
export function fastPathMessage(
  request: Request,
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
  const accept = request.headers.get("accept") ?? "";
  if (!accept.includes("application/json") || !accept.includes("text/event-stream")) return null;
  if (!request.headers.get("content-type")?.includes("application/json")) return null;
  const version = request.headers.get("mcp-protocol-version");
  if (version && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) return null;
  return { id: m.id, method: m.method };
}
