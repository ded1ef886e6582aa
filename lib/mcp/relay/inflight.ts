/**
 * Which calls are in flight on each upstream connection, so that a request or log message an
 * upstream server sends during a call (sampling, elicitation, roots, logging) can be relayed
 * to the client that made the call.
 *
 * A connection is shared by every call through the same instance or credential, and MCP does
 * not say which call a server-to-client request belongs to. The rule: relay to the most recent
 * call in flight when every call in flight belongs to one caller; when calls of different
 * callers are in flight, refuse, so nothing one caller's call asks can reach another caller.
 */

export interface RelayMessage {
  method: string;
  params?: Record<string, unknown>;
}

/** The way back to one calling client, for the length of one call. */
export interface ClientChannel {
  /** Who the call is for (a token id, or a replica for forwarded calls). */
  readonly principal: string;
  /** Sends a request to the calling client and resolves with its result. */
  request(message: RelayMessage, signal?: AbortSignal): Promise<Record<string, unknown>>;
  /** Sends a notification to the calling client, in order; best effort. */
  notify(message: RelayMessage): void;
  /** Resolves once every notification sent so far is written, so none trails the result. */
  flush(): Promise<void>;
}

const KEY = Symbol.for("mcp-orchestrator.inflight-calls");
type InflightGlobal = typeof globalThis & { [KEY]?: WeakMap<object, ClientChannel[]> };

// Kept on globalThis: Next.js bundles each route separately, and connections are shared by all.
function registry(): WeakMap<object, ClientChannel[]> {
  const g = globalThis as InflightGlobal;
  g[KEY] ??= new WeakMap();
  return g[KEY];
}

/** Marks a call in flight on `connection`; the returned function ends it. */
export function trackCall(connection: object, channel: ClientChannel): () => void {
  const calls = registry().get(connection) ?? [];
  calls.push(channel);
  registry().set(connection, calls);
  return () => {
    const index = calls.indexOf(channel);
    if (index >= 0) calls.splice(index, 1);
  };
}

export type ChannelChoice = { kind: "channel"; channel: ClientChannel } | { kind: "none" } | { kind: "ambiguous" };

/** The call a server-to-client message on `connection` belongs to, by the rule above. */
export function channelFor(connection: object): ChannelChoice {
  const calls = registry().get(connection) ?? [];
  const last = calls.at(-1);
  if (!last) return { kind: "none" };
  if (calls.some((c) => c.principal !== last.principal)) return { kind: "ambiguous" };
  return { kind: "channel", channel: last };
}
