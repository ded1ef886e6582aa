import { AsyncLocalStorage } from "node:async_hooks";
import type { ReplicaCaller } from "./replica-signature";

/**
 * The caller a call to an instance is made for, carried through the async work of that call, so
 * a call another replica serves is signed with (and audited under) the person or token that made
 * it: connections to instances are shared by every caller, so the caller cannot ride on them.
 */
const KEY = Symbol.for("mcp-orchestrator.forwarding-caller");
type CallerGlobal = typeof globalThis & { [KEY]?: AsyncLocalStorage<ReplicaCaller> };

function storage(): AsyncLocalStorage<ReplicaCaller> {
  const g = globalThis as CallerGlobal;
  g[KEY] ??= new AsyncLocalStorage();
  return g[KEY];
}

/** Runs `work` as a call made for `caller`. */
export function withCaller<T>(caller: ReplicaCaller, work: () => T): T {
  return storage().run(caller, work);
}

/** The caller the current call is made for; undefined for the app's own calls (tool discovery). */
export function currentCaller(): ReplicaCaller | undefined {
  return storage().getStore();
}
