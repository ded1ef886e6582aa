import { UriTemplate } from "@modelcontextprotocol/sdk/shared/uriTemplate.js";
import { sharedCache } from "@/lib/ttl-cache";

/**
 * Which server a resource URI (or, for completions, a template) belongs to. URIs pass through
 * the gateway as their servers name them, so a read is routed by what each assigned server
 * lists: first the servers that listed the URI itself, then those with a template it matches,
 * then the others, each group in assignment order.
 */
export interface Listing {
  /** URIs the server listed, and URIs it answered a read for. */
  uris?: ReadonlySet<string>;
  templates?: readonly string[];
}

/** Pure: whether a URI template matches a URI (a template that cannot be parsed matches nothing). */
export function templateMatches(template: string, uri: string): boolean {
  if (!UriTemplate.isTemplate(template)) return false;
  try {
    return new UriTemplate(template).match(uri) !== null;
  } catch {
    return false;
  }
}

/** Pure: 0 the server listed it, 1 one of its templates matches (or is it), 2 neither or not known. */
export function ownership(uri: string, kind: "uri" | "template", listing: Listing | undefined): 0 | 1 | 2 {
  if (!listing) return 2;
  if (kind === "template") return listing.templates?.includes(uri) ? 0 : 2;
  if (listing.uris?.has(uri)) return 0;
  return listing.templates?.some((t) => templateMatches(t, uri)) ? 1 : 2;
}

/** Pure: candidates (in assignment order) in the order they are asked for a URI. */
export function orderByOwnership<T extends { listing?: Listing }>(
  uri: string,
  kind: "uri" | "template",
  candidates: T[],
): T[] {
  return candidates
    .map((c, i) => ({ c, i, rank: ownership(uri, kind, c.listing) }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map(({ c }) => c);
}

/** How long what a server listed is trusted for routing. */
export const LISTING_TTL_MS = 30_000;

/**
 * What each server listed, per assignment and credential (a credential's connection lists the
 * same for every caller who uses it), kept briefly: a client that lists and then reads costs
 * no second listing.
 */
const listings = sharedCache<string, Listing>("gateway.resource-listings", LISTING_TTL_MS, 200);

export const listingKey = (assignmentId: string, credentialId: string) => `${assignmentId}/${credentialId}`;

export function knownListing(key: string): Listing | undefined {
  return listings().get(key);
}

/** Records a server's listed URIs or templates (either half), keeping the other half known. */
export function rememberListing(key: string, part: { uris?: Iterable<string>; templates?: readonly string[] }): void {
  const known = listings().get(key) ?? {};
  listings().set(key, {
    uris: part.uris ? new Set(part.uris) : known.uris,
    templates: part.templates ?? known.templates,
  });
}

/** The most URIs kept per server, listed and answered together. */
const MAX_URIS = 6000;

/** A server answered a read for a URI it did not list: ask it first next time. */
export function rememberAnswer(key: string, uri: string): void {
  const known = listings().get(key);
  if (known?.uris?.has(uri) || (known?.uris?.size ?? 0) >= MAX_URIS) return;
  listings().set(key, { ...known, uris: new Set([...(known?.uris ?? []), uri]) });
}
