import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

export interface MissingCredentialOptions {
  kind: "missing" | "reauth";
  server: { id: string; slug: string; name: string };
  /** The origin people reach the app at (ARCHESTRA_PUBLIC_URL or the request's). */
  origin: string;
}

/** Where a person installs (or re-authenticates) a server: the registry's deep link. */
export function installUrl(origin: string, serverSlug: string, kind: "missing" | "reauth"): string {
  const url = new URL(`/registry/${encodeURIComponent(serverSlug)}`, origin);
  url.searchParams.set(kind === "reauth" ? "reauth" : "install", "1");
  return url.toString();
}

/**
 * Pure: the tool result a call gets when no usable credential exists: an error a person can
 * act on, with a direct link, and the same facts in structuredContent for programs.
 */
export function missingCredentialResult(options: MissingCredentialOptions): CallToolResult {
  const url = installUrl(options.origin, options.server.slug, options.kind);
  const text =
    options.kind === "reauth"
      ? `The credential for ${options.server.name} has expired or was revoked. Re-authenticate it here: ${url} — then retry this call.`
      : `${options.server.name} is not connected for you yet. Connect it here: ${url} — then retry this call.`;
  return {
    isError: true,
    content: [{ type: "text", text }],
    structuredContent: {
      kind: options.kind === "reauth" ? "credential_needs_reauthentication" : "credential_missing",
      serverId: options.server.id,
      serverSlug: options.server.slug,
      installUrl: url,
    },
  };
}
