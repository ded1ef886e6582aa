/**
 * Listeners for `notifications/resources/updated` from each upstream connection (kept on
 * globalThis like the other relay registries: connections are shared by all routes).
 */
type Listener = (uri: string) => void;

const KEY = Symbol.for("mcp-orchestrator.resource-updates");
type UpdatesGlobal = typeof globalThis & { [KEY]?: WeakMap<object, Set<Listener>> };

function registry(): WeakMap<object, Set<Listener>> {
  const g = globalThis as UpdatesGlobal;
  g[KEY] ??= new WeakMap();
  return g[KEY];
}

export function watchResourceUpdates(connection: object, listener: Listener): () => void {
  const set = registry().get(connection) ?? new Set();
  set.add(listener);
  registry().set(connection, set);
  return () => set.delete(listener);
}

export function resourceUpdated(connection: object, uri: string): void {
  for (const listener of registry().get(connection) ?? []) listener(uri);
}
