import { setMaxListeners } from "node:events";

const raised = new WeakSet<AbortSignal>();

const base: typeof fetch = (() => {
  const patched = globalThis.fetch as typeof fetch & { _nextOriginalFetch?: typeof fetch };
  return patched._nextOriginalFetch ?? patched;
})();

/**
 * fetch for long-lived connections to addresses the app itself chose (instance pods, replicas).
 * URLs that an upstream or a document hands over go through lib/http/outbound.ts instead. It skips Next.js's patched fetch (its data-cache
 * wrapper only costs time here), and it gives each request its own abort signal linked to the
 * caller's: the MCP client transport passes one shared signal to every request, and undici keeps
 * a listener on it per request until garbage collection, which piles up under load.
 */
export const plainFetch: typeof fetch = async (input, init) => {
  const shared = init?.signal;
  if (!shared) return base(input, init);
  if (!raised.has(shared)) {
    // One listener per request in flight on a shared connection is expected, not a leak.
    setMaxListeners(0, shared);
    raised.add(shared);
  }
  const own = new AbortController();
  const forward = () => own.abort(shared.reason);
  if (shared.aborted) own.abort(shared.reason);
  else shared.addEventListener("abort", forward, { once: true });
  try {
    const response = await base(input, { ...init, signal: own.signal });
    // An event stream stays linked while it is open (closing the transport must end it).
    if (!response.headers.get("content-type")?.includes("text/event-stream"))
      shared.removeEventListener("abort", forward);
    return response;
  } catch (err) {
    shared.removeEventListener("abort", forward);
    throw err;
  }
};
