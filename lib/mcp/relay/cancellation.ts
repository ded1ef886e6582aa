import type { RequestId } from "@modelcontextprotocol/client";

/**
 * Calls in flight on this replica by (principal, request id), so that a client's
 * `notifications/cancelled`, which in stateless mode arrives as its own HTTP request, can
 * abort the call it names, and only a call of the same principal.
 */
const KEY = Symbol.for("mcp-orchestrator.cancellable-calls");
type CancelGlobal = typeof globalThis & { [KEY]?: Map<string, AbortController> };

function calls(): Map<string, AbortController> {
  const g = globalThis as CancelGlobal;
  g[KEY] ??= new Map();
  return g[KEY];
}

const keyOf = (principal: string, requestId: RequestId) => `${principal}\u0000${typeof requestId}:${requestId}`;

/**
 * Registers a call; its signal aborts when any of `signals` does, when `cancel` is called, or
 * when the client cancels it.
 */
export function cancellableCall(
  principal: string,
  requestId: RequestId,
  signals: AbortSignal[],
): { signal: AbortSignal; cancel(): void; done(): void } {
  const controller = new AbortController();
  const key = keyOf(principal, requestId);
  calls().set(key, controller);
  // Plain listeners rather than AbortSignal.any, whose bookkeeping costs more on every call.
  const follow = (event: Event) => controller.abort((event.target as AbortSignal).reason);
  for (const s of signals) {
    if (s.aborted) controller.abort(s.reason);
    else s.addEventListener("abort", follow, { once: true });
  }
  return {
    signal: controller.signal,
    cancel: () => controller.abort(),
    done: () => {
      for (const s of signals) s.removeEventListener("abort", follow);
      if (calls().get(key) === controller) calls().delete(key);
    },
  };
}

/** Aborts the caller's call with this id if it runs on this replica. */
export function cancelCall(principal: string, requestId: RequestId, reason?: string): boolean {
  const controller = calls().get(keyOf(principal, requestId));
  if (!controller) return false;
  controller.abort(reason ?? "cancelled by the client");
  return true;
}
