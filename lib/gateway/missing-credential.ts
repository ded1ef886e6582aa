import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

export interface MissingCredentialOptions {
  kind: "missing" | "reauth";
  server: { id: string; slug: string; name: string };
  /** The origin people reach the app at (ARCHESTRA_PUBLIC_URL or the request's). */
  origin: string;
  /**
   * Whether the tool declares an output schema. Clients check structuredContent against it,
   * so then the facts travel in _meta only.
   */
  hasOutputSchema: boolean;
}

/** The _meta key under which programs find the facts of a missing credential. */
export const CREDENTIAL_META_KEY = "io.mcp-orchestrator/credential";

/** Where a person installs (or re-authenticates) a server: the registry's deep link. */
export function installUrl(origin: string, serverSlug: string, kind: "missing" | "reauth"): string {
  const url = new URL(`/registry/${encodeURIComponent(serverSlug)}`, origin);
  url.searchParams.set(kind === "reauth" ? "reauth" : "install", "1");
  return url.toString();
}

/**
 * Pure: the tool result a call gets when no usable credential exists: an error a person can
 * act on, with a direct link, and the same facts for programs in structuredContent (unless the
 * tool's output schema forbids it) and in _meta.
 */
export function missingCredentialResult(options: MissingCredentialOptions): CallToolResult {
  const url = installUrl(options.origin, options.server.slug, options.kind);
  const text =
    options.kind === "reauth"
      ? `The credential for ${options.server.name} has expired or was revoked. Connect it again here (sign in again, or enter a new key): ${url} — then retry this call.`
      : `${options.server.name} is not connected for you yet. Connect it here: ${url} — then retry this call.`;
  const facts = {
    kind: options.kind === "reauth" ? "credential_needs_reauthentication" : "credential_missing",
    serverId: options.server.id,
    serverSlug: options.server.slug,
    installUrl: url,
  };
  return {
    isError: true,
    content: [{ type: "text", text }],
    ...(options.hasOutputSchema ? {} : { structuredContent: facts }),
    _meta: { [CREDENTIAL_META_KEY]: facts },
  };
}
