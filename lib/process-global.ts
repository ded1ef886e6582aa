/**
 * One value per process, kept on globalThis: Next.js bundles each route separately, so a
 * module-level value would exist once per bundle, while connections, calls and caches are the
 * process's. `name` is the value's key across bundles.
 */
export function processGlobal<T>(name: string, make: () => T): T {
  const key = Symbol.for(`mcp-orchestrator.${name}`);
  const g = globalThis as typeof globalThis & Record<symbol, T | undefined>;
  let value = g[key];
  if (value === undefined) {
    value = make();
    g[key] = value;
  }
  return value;
}
