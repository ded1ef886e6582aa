import type { JSONRPCMessage } from "@modelcontextprotocol/client";

/** Where a 2026-07-28 request names its revision (in `params._meta`). */
const PROTOCOL_VERSION_KEY = "io.modelcontextprotocol/protocolVersion";

/** The body field each method's `Mcp-Name` header mirrors (2026-07-28, Standard Request Headers). */
const NAME_SOURCE: Readonly<Record<string, string>> = {
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
  "tasks/get": "taskId",
  "tasks/update": "taskId",
  "tasks/cancel": "taskId",
};

/** Headers a transport sets from the connection or the body; the per-request ones may not. */
const RESERVED = new Set([
  "authorization",
  "content-type",
  "content-length",
  "accept",
  "host",
  "mcp-protocol-version",
  "mcp-method",
  "mcp-name",
  "mcp-session-id",
]);

/**
 * A header value as the revision encodes one: a plain printable-ASCII value as it is, anything
 * else (other characters, surrounding spaces, empty, or a value that looks encoded) as
 * `=?base64?…?=` of its UTF-8 bytes.
 */
export function encodeHeaderValue(value: string): string {
  const plain =
    value.length > 0 &&
    value === value.trim() &&
    !(value.startsWith("=?base64?") && value.endsWith("?=")) &&
    /^[\t\x20-\x7e]*$/.test(value);
  return plain ? value : `=?base64?${Buffer.from(value, "utf8").toString("base64")}?=`;
}

/**
 * The headers an HTTP request carrying `message` needs under 2026-07-28: `MCP-Protocol-Version`
 * and `Mcp-Method` from the body, `Mcp-Name` for the methods that name something, and the
 * client's own per-request headers (`Mcp-Param-*`) except those the transport owns. Undefined
 * for anything else (a 2025 request, a response, a notification), which gets none of them.
 */
export function modernRequestHeaders(
  message: JSONRPCMessage,
  extra?: Readonly<Record<string, string>>,
): Record<string, string> | undefined {
  if (!("method" in message) || !("id" in message)) return undefined;
  const params = (message.params ?? {}) as Record<string, unknown>;
  const version = (params._meta as Record<string, unknown> | undefined)?.[PROTOCOL_VERSION_KEY];
  if (typeof version !== "string") return undefined;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(extra ?? {}))
    if (!RESERVED.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  headers["mcp-protocol-version"] = version;
  headers["mcp-method"] = message.method;
  const field = Object.hasOwn(NAME_SOURCE, message.method) ? NAME_SOURCE[message.method] : undefined;
  const name = field === undefined ? undefined : params[field];
  if (typeof name === "string") headers["mcp-name"] = encodeHeaderValue(name);
  return headers;
}
