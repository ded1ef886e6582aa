import { resourceExposed, templateExposed } from "./prompts-resources";

/** What one assignment of a gateway exposes of its server's resources, as far as known when saved. */
export interface AssignmentResources {
  serverSlug: string;
  /** The assignment's choice of URIs and templates (null: all its server lists). */
  resources: string[] | null;
  /** What its server listed, when that could be learnt in time. */
  listed?: { uris: string[]; templates: string[] } | null;
}

/**
 * Pure: URIs and templates that two assignments would both expose, with the servers exposing
 * them. Resource URIs are not renamed the way tool names are prefixed, so such a URI would
 * reach only the server listed first. Known are the URIs and templates an assignment chose,
 * and what its server listed where that was learnt (see liveResourceListing).
 */
export function findResourceClashes(assignments: AssignmentResources[]): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const a of assignments) {
    const exposed = new Set([
      ...(a.resources ?? []),
      ...(a.listed?.uris ?? []).filter((uri) => resourceExposed(a, uri)),
      ...(a.listed?.templates ?? []).filter((t) => templateExposed(a, t)),
    ]);
    for (const uri of exposed) owners.set(uri, [...(owners.get(uri) ?? []), a.serverSlug]);
  }
  return new Map([...owners].filter(([, who]) => who.length > 1));
}
