/**
 * Every instance gets a writable directory of its own, named in its environment as
 * `MCP_INSTANCE_DIR`: its working directory (process runtime) or an emptyDir volume (Kubernetes).
 * Servers that keep state in a file would otherwise share one: server-memory keeps its graph
 * next to its own code in the npx cache, which every instance of it uses.
 */
export const INSTANCE_DIR_VAR = "MCP_INSTANCE_DIR";

/**
 * How a server's arguments and non-secret values refer to the instance's directory:
 * `${MCP_INSTANCE_DIR}/memory.jsonl`.
 */
export const INSTANCE_DIR_REFERENCE = `\${${INSTANCE_DIR_VAR}}`;

/**
 * Pure: the instance's plain variables with every `${MCP_INSTANCE_DIR}` replaced by `dir`, less
 * `MCP_INSTANCE_DIR` itself, which runtimes set after every other variable so that nothing in the
 * catalog or a credential can point it elsewhere. Secret values are never rewritten: they are the
 * person's, byte for byte.
 */
export function expandInstanceDir(env: Record<string, string>, dir: string): Record<string, string> {
  const expanded: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name !== INSTANCE_DIR_VAR) expanded[name] = value.replaceAll(INSTANCE_DIR_REFERENCE, () => dir);
  }
  return expanded;
}

/** Pure: the server's arguments with every `${MCP_INSTANCE_DIR}` replaced by `dir`. */
export function expandInstanceDirArgs(args: readonly string[], dir: string): string[] {
  return args.map((arg) => arg.replaceAll(INSTANCE_DIR_REFERENCE, () => dir));
}
