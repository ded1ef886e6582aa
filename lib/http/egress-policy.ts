import ipaddr from "ipaddr.js";

/**
 * The egress rule, as pure functions. A URL that an upstream or a document hands the app (a
 * `WWW-Authenticate` header, protected-resource or authorization server metadata...) may not
 * reach an address class more internal than the catalog entry's own URL, which an admin typed.
 * Classes, from the outside in: public < private < link-local < loopback. Addresses that never
 * belong to a server (unspecified, multicast, broadcast, tunnelling prefixes) are refused always.
 * ARCHESTRA_EGRESS_ALLOW lists exceptions (CIDRs and host names).
 */
export const ADDRESS_CLASSES = ["public", "private", "link-local", "loopback"] as const;
export type AddressClass = (typeof ADDRESS_CLASSES)[number];

export type Classified = { class: AddressClass } | { refused: string };

const rank = (c: AddressClass) => ADDRESS_CLASSES.indexOf(c);

/** What an address is, by its range (ipaddr.js does the range math). */
export function classifyAddress(address: string): Classified {
  if (!ipaddr.isValid(address)) return { refused: "not an IP address" };
  let ip = ipaddr.parse(address);
  if (ip.kind() === "ipv6") {
    const v6 = ip as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) ip = v6.toIPv4Address();
    else if (v6.range() === "rfc6052") {
      // NAT64: the IPv4 address it stands for decides.
      const bytes = v6.toByteArray().slice(12);
      ip = ipaddr.fromByteArray(bytes);
    }
  }
  const range = ip.range();
  switch (range) {
    case "unicast":
      return { class: "public" };
    case "private":
    case "carrierGradeNat":
    case "uniqueLocal":
    // Documentation, benchmarking and other reserved IPv4 ranges are no one's public servers:
    // they count as private networks.
    case "reserved":
      return { class: "private" };
    case "linkLocal":
      return { class: "link-local" };
    case "loopback":
      return { class: "loopback" };
    default:
      return { refused: `a ${range} address` };
  }
}

/** The most internal class among a host's addresses (for the catalog entry's own URL). */
export function innermostClass(addresses: string[]): AddressClass {
  let inner: AddressClass = "public";
  for (const a of addresses) {
    const c = classifyAddress(a);
    if ("class" in c && rank(c.class) > rank(inner)) inner = c.class;
  }
  return inner;
}

export interface EgressAllow {
  cidrs: [ipaddr.IPv4 | ipaddr.IPv6, number][];
  /** Exact host names, or suffixes written `*.example.com`. Lower case. */
  hosts: string[];
}

export const NO_EXCEPTIONS: EgressAllow = { cidrs: [], hosts: [] };

/** Parses ARCHESTRA_EGRESS_ALLOW: comma- or space-separated CIDRs, addresses and host names. */
export function parseEgressAllow(value: string | undefined): EgressAllow {
  const allow: EgressAllow = { cidrs: [], hosts: [] };
  for (const entry of (value ?? "").split(/[\s,]+/).filter(Boolean)) {
    if (ipaddr.isValidCIDR(entry)) allow.cidrs.push(ipaddr.parseCIDR(entry));
    else if (ipaddr.isValid(entry)) {
      const ip = ipaddr.parse(entry);
      allow.cidrs.push([ip, ip.kind() === "ipv4" ? 32 : 128]);
    } else if (/^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(entry))
      allow.hosts.push(entry.toLowerCase());
    else throw new Error(`"${entry}" is neither a CIDR (10.0.0.0/8), an address nor a host name`);
  }
  return allow;
}

export function hostAllowed(allow: EgressAllow, host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  return allow.hosts.some((h) => (h.startsWith("*.") ? name.endsWith(h.slice(1)) : h === name));
}

function addressAllowed(allow: EgressAllow, address: string): boolean {
  let ip = ipaddr.parse(address);
  if (ip.kind() === "ipv6" && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  return allow.cidrs.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits));
}

export interface EgressPolicy {
  /** The most internal class a handed URL may reach: the catalog entry's own URL's. */
  ceiling: AddressClass;
  allow: EgressAllow;
}

/** Why connecting to `address` (for `host`) is refused, or null when it is allowed. */
export function egressRefusal(policy: EgressPolicy, host: string, address: string): string | null {
  if (hostAllowed(policy.allow, host)) return null;
  if (ipaddr.isValid(address) && addressAllowed(policy.allow, address)) return null;
  const c = classifyAddress(address);
  const shown = host === address ? address : `${host} (${address})`;
  if ("refused" in c)
    return `Refused to connect to ${shown}: ${c.refused} is never a server's. An admin can allow it with ARCHESTRA_EGRESS_ALLOW.`;
  if (rank(c.class) <= rank(policy.ceiling)) return null;
  return `Refused to connect to ${shown}: a ${c.class} address, handed over by the upstream, is more internal than the server's own address in the catalog (${policy.ceiling}). An admin can allow it with ARCHESTRA_EGRESS_ALLOW.`;
}
