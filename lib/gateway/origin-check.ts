import { isIP } from "node:net";

export interface OriginPolicy {
  /** ARCHESTRA_PUBLIC_URL, when set. */
  publicUrl?: string;
  /** ARCHESTRA_GATEWAY_ALLOWED_ORIGINS: comma-separated origins. */
  allowed?: string;
}

/** An allowed origin as browsers send it ("https://Tools.Example.com/" is "https://tools.example.com"). */
function asOrigin(entry: string): string {
  try {
    return new URL(entry.trim()).origin;
  } catch {
    return entry.trim();
  }
}

/** Hosts a rebinding page cannot name: loopback names and IP addresses. */
function hostCannotRebind(hostname: string): boolean {
  const bare = hostname.replace(/^\[(.*)\]$/, "$1");
  return isIP(bare) !== 0 || bare === "localhost" || bare.endsWith(".localhost");
}

/**
 * DNS-rebinding protection, as MCP's streamable HTTP transport asks of servers. A request
 * without an `Origin` does not come from a browser page and passes. A browser's origin must be
 * one the app was told about: ARCHESTRA_PUBLIC_URL's, or one listed in
 * ARCHESTRA_GATEWAY_ALLOWED_ORIGINS. Without a public URL, the request's own origin (`own`, from
 * its Host) also passes when that host is loopback or an IP address. A Host naming a domain
 * proves nothing: a rebinding page's requests carry the attacker's domain, which then points here.
 */
export function originAllowed(sent: string | null | undefined, own: string, policy: OriginPolicy): boolean {
  if (!sent) return true;
  const allowed = policy.allowed?.split(",").map(asOrigin) ?? [];
  if (allowed.includes(sent)) return true;
  if (policy.publicUrl) return sent === new URL(policy.publicUrl).origin;
  if (sent !== own) return false;
  try {
    return hostCannotRebind(new URL(own).hostname);
  } catch {
    return false;
  }
}
