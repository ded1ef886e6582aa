import type { RequestId } from "@modelcontextprotocol/client";
import { type InflightCall, type Route, routeServerMessage, startsMixed } from "./route-rule";

/**
 * Which calls are in flight on each upstream connection, so that a request or log message an
 * upstream server sends during a call (sampling, elicitation, roots, logging) can be relayed
 * to the client that made the call. A connection is shared by every call through the same
 * instance or credential; `route-rule.ts` decides where a message goes.
 */

export interface RelayMessage {
  method: string;
  params?: Record<string, unknown>;
}

/** The way back to one calling client, for the length of one call. */
export interface ClientChannel {
  /** Who may answer what is relayed (a token id, or a replica for forwarded calls). */
  readonly principal: string;
  /** What the calling client declared it can be asked, when known. */
  readonly can?: { sampling: boolean; elicitation: boolean; roots: boolean };
  /** Sends a request to the calling client and resolves with its result. */
  request(message: RelayMessage, signal?: AbortSignal): Promise<Record<string, unknown>>;
  /** Sends a notification to the calling client, in order; best effort. */
  notify(message: RelayMessage): void;
  /** Resolves once every notification sent so far is written, so none trails the result. */
  flush(): Promise<void>;
}

interface CallRecord extends InflightCall {
  readonly channel: ClientChannel;
  live: boolean;
  mixed: boolean;
  requestId?: RequestId;
  answered: boolean;
}

interface ConnectionCalls {
  /** Calls in flight on the connection, oldest first: those whose caller waits, and abandoned ones. */
  calls: CallRecord[];
  /** The call whose request is being sent right now (see `TrackedCall.send`). */
  sending?: CallRecord;
  /** Requests in flight that are no tracked call (prompts, resources, lists), by id: when sent. */
  others: Map<RequestId, number>;
}

/**
 * How long a request that is no tracked call counts as in flight without an answer: twice the
 * SDK's default request timeout, after which its caller has long given up.
 */
const OTHER_REQUEST_MAX_MS = 120_000;

const KEY = Symbol.for("mcp-orchestrator.inflight-calls");
type InflightGlobal = typeof globalThis & { [KEY]?: WeakMap<object, ConnectionCalls> };

// Kept on globalThis: Next.js bundles each route separately, and connections are shared by all.
function registry(): WeakMap<object, ConnectionCalls> {
  const g = globalThis as InflightGlobal;
  g[KEY] ??= new WeakMap();
  return g[KEY];
}

function stateOf(connection: object): ConnectionCalls {
  let state = registry().get(connection);
  if (!state) {
    state = { calls: [], others: new Map() };
    registry().set(connection, state);
  }
  return state;
}

function remove(state: ConnectionCalls, call: CallRecord): void {
  const index = state.calls.indexOf(call);
  if (index >= 0) state.calls.splice(index, 1);
}

/** One call on a connection, from before its request is sent until its caller stops waiting. */
export interface TrackedCall {
  /**
   * Runs `send`, which sends this call's request synchronously (as the SDK's `request` does),
   * so that the request's id is known: a server that names it (streamable HTTP) reaches this
   * call, and the server's answer to it ends the call's life on the connection.
   */
  send<T>(send: () => T): T;
  /** The caller no longer waits (a result, an error, a cancellation or a timeout). */
  end(): void;
}

export interface TrackOptions {
  /** Who the call is for (see `relayPrincipal`); the channel's principal by default. */
  principal?: string;
  /**
   * How long a call whose caller gave up before the server answered still counts as in flight
   * (the server may go on with it); at most this, or until the server answers.
   */
  lingerMs?: number;
}

/** Marks a call in flight on `connection`. */
export function openCall(connection: object, channel: ClientChannel, options: TrackOptions = {}): TrackedCall {
  return open(stateOf(connection), channel, options).tracked;
}

function open(
  state: ConnectionCalls,
  channel: ClientChannel,
  options: TrackOptions,
): { call: CallRecord; tracked: TrackedCall } {
  const principal = options.principal ?? channel.principal;
  const call: CallRecord = { channel, principal, live: true, mixed: false, answered: false };
  if (startsMixed(state.calls, principal)) {
    call.mixed = true;
    for (const other of state.calls) if (other.principal !== principal) other.mixed = true;
  }
  state.calls.push(call);
  const tracked: TrackedCall = {
    send(send) {
      const outer = state.sending;
      state.sending = call;
      try {
        return send();
      } finally {
        state.sending = outer;
      }
    },
    end() {
      if (!call.live) return;
      call.live = false;
      const lingerMs = options.lingerMs ?? 0;
      if (call.answered || call.requestId === undefined || lingerMs <= 0) return remove(state, call);
      setTimeout(() => remove(state, call), lingerMs).unref?.();
    },
  };
  return { call, tracked };
}

function pruneOthers(state: ConnectionCalls): void {
  const stale = Date.now() - OTHER_REQUEST_MAX_MS;
  for (const [id, sent] of state.others) if (sent < stale) state.others.delete(id);
}

/** A request goes out on `connection`: the call being sent learns its id; any other is noted. */
export function requestSent(connection: object, id: RequestId): void {
  const state = stateOf(connection);
  const sending = state.sending;
  if (sending && sending.requestId === undefined) {
    sending.requestId = id;
    state.sending = undefined;
    return;
  }
  if (state.others.size >= 100) pruneOthers(state);
  state.others.set(id, Date.now());
}

/** The server answered request `id` on `connection`: a call with that id is no longer in flight. */
export function responseReceived(connection: object, id: RequestId): void {
  const state = registry().get(connection);
  if (!state || state.others.delete(id)) return;
  const call = state.calls.find((c) => c.requestId === id);
  if (!call) return;
  call.answered = true;
  if (!call.live) remove(state, call);
}

/**
 * The call a message the server sent on `connection` belongs to: `related` is the id of the
 * request on whose event stream it came, when the transport says so.
 */
export function routeFor(connection: object, related?: RequestId): Route<ClientChannel> {
  const state = stateOf(connection);
  pruneOthers(state);
  const route = routeServerMessage(state.calls, related, state.others.size > 0);
  return route.kind === "call" ? { kind: "call", call: route.call.channel } : route;
}
