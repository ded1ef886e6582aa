/** The separator between a server's prefix and its tool's own name. */
export const SEPARATOR = "__";

/**
 * Pure: the name a tool has in a gateway. By default `<server slug>__<tool>`; an assignment
 * may override the prefix, and the empty prefix exposes the tool under its own name.
 */
export function exposedToolName(prefix: string | null, serverSlug: string, tool: string): string {
  const p = prefix ?? serverSlug;
  return p === "" ? tool : `${p}${SEPARATOR}${tool}`;
}

export interface AssignmentTools {
  assignmentId: string;
  prefix: string | null;
  serverSlug: string;
  /** The tools the assignment exposes (its selection, or all the server offers). */
  tools: string[];
}

/** Pure: exposed names claimed by more than one assignment's tool, with who claims them. */
export function findNameCollisions(assignments: AssignmentTools[]): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const a of assignments) {
    for (const tool of a.tools) {
      const name = exposedToolName(a.prefix, a.serverSlug, tool);
      owners.set(name, [...(owners.get(name) ?? []), `${a.serverSlug}/${tool}`]);
    }
  }
  return new Map([...owners].filter(([, who]) => who.length > 1));
}
