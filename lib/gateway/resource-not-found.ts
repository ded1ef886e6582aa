import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";

/** The code 2025 revisions give an unknown resource (2025-11-25, server/resources, "Error Handling"). */
export const LEGACY_RESOURCE_NOT_FOUND = -32002;

/** The first revision that answers an unknown resource with Invalid Params (SEP-2164). */
const INVALID_PARAMS_SINCE = "2026-07-28";

/**
 * Pure: the error for a resource no assigned server has, in the caller's revision: -32002 up to
 * 2025-11-25, -32602 (Invalid Params) from 2026-07-28 on; the requested URI in `data` in both.
 * A request without a version is a 2025 one (the transport's default is 2025-03-26).
 */
export function resourceNotFound(uri: string, protocolVersion: string | undefined, hint?: string): McpError {
  const modern = protocolVersion !== undefined && protocolVersion >= INVALID_PARAMS_SINCE;
  return new McpError(
    modern ? ErrorCode.InvalidParams : LEGACY_RESOURCE_NOT_FOUND,
    `Resource not found: ${uri.slice(0, 500)}${hint ? `. ${hint}` : ""}`,
    { uri },
  );
}

/**
 * Pure: whether a server's error means it has no such resource (so the next server may be
 * asked): -32002 from servers on earlier revisions or SDKs, -32602 from current ones (a read's
 * only parameter is its URI).
 */
export function isResourceNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === LEGACY_RESOURCE_NOT_FOUND || code === ErrorCode.InvalidParams;
}
