import type { Client } from "@modelcontextprotocol/client";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { watchResourceUpdates } from "@/lib/mcp/relay/resource-updates";
import { upstreamEra } from "@/lib/mcp/upstream-era";
import { processGlobal } from "@/lib/process-global";
import { getReplicaBus } from "@/lib/replica-bus";
import { sessionsWithStreams } from "./held-streams";

/**
 * Resource subscriptions of gateway sessions. The replica that receives `resources/subscribe`
 * subscribes upstream on the caller's connection and holds the subscription; updates go out on
 * the bus to whichever replica holds the session's event stream. An unsubscribe or a session's
 * end that reaches another replica is passed on the same way.
 *
 * Bounded: a session holds at most MAX_PER_SESSION subscriptions and a token at most
 * MAX_PER_TOKEN (one more is refused with a message saying so), and a session's subscriptions
 * expire once this replica has seen no sign of the session for IDLE_EXPIRY_MS: no request of its
 * here and no event stream of its open here (clients that vanish without ending their session
 * leave nothing behind for long).
 */
export const MAX_PER_SESSION = 100;
export const MAX_PER_TOKEN = 500;
export const IDLE_EXPIRY_MS = 60 * 60_000;
const SWEEP_MS = 60_000;

interface Subscription {
  session: string;
  tokenId: string;
  /** The resource's URI, the server's own (the gateway does not rewrite URIs). */
  uri: string;
  client: Client;
  stopWatching(): void;
}

const KEY = Symbol.for("mcp-orchestrator.gateway-subscriptions");
/** Every subscription held here, and when each session holding one was last seen. */
type State = { subs: Map<string, Subscription>; seen: Map<string, number> };
type SubsGlobal = typeof globalThis & { [KEY]?: State };

function state(): State {
  const g = globalThis as SubsGlobal;
  if (!g[KEY]) {
    g[KEY] = { subs: new Map(), seen: new Map() };
    getReplicaBus().subscribe((m) => {
      if (m.kind === "unsubscribe") void unsubscribeHere(m.session, m.uri);
      if (m.kind === "session-ended") void endSessionHere(m.session);
    });
    setInterval(() => void expireIdleSubscriptions(), SWEEP_MS).unref();
  }
  return g[KEY];
}

const subscriptions = () => state().subs;

/** A request of this session reached this replica: its subscriptions here are in use. */
export function sessionSeen(session: string, now = Date.now()): void {
  const { seen } = state();
  if (seen.has(session)) seen.set(session, now);
}

/** Ends the subscriptions of sessions not seen here for IDLE_EXPIRY_MS; returns how many sessions. */
export async function expireIdleSubscriptions(now = Date.now()): Promise<number> {
  const { seen } = state();
  const streaming = sessionsWithStreams();
  let expired = 0;
  for (const [session, at] of [...seen]) {
    if (streaming.has(session)) seen.set(session, now);
    else if (now - at >= IDLE_EXPIRY_MS) {
      expired += 1;
      await endSessionHere(session);
    }
  }
  return expired;
}

const keyOf = (session: string, uri: string) => `${session}\u0000${uri}`;
/** Whether any session holds a subscription to this resource on this connection. */
const subscribedUpstream = (client: Client, uri: string) =>
  [...subscriptions().values()].some((o) => o.client === client && o.uri === uri);

/**
 * A 2026-07-28 server has no resources/subscribe: its updates come on a `subscriptions/listen`
 * stream, one per connection and URI here, opened with the first subscription and closed with
 * the last. A 2025 server is asked to subscribe and unsubscribe.
 */
type Listens = Map<string, Promise<{ close(): Promise<void> }>>;

function listensOf(client: Client): Listens {
  const all = processGlobal("gateway-resource-listens", () => new WeakMap<Client, Listens>());
  let found = all.get(client);
  if (!found) {
    found = new Map();
    all.set(client, found);
  }
  return found;
}

async function subscribeUpstream(client: Client, uri: string): Promise<void> {
  if (upstreamEra(client) !== "modern") {
    await client.subscribeResource({ uri });
    return;
  }
  const listening = client.listen({ resourceSubscriptions: [uri] });
  listensOf(client).set(uri, listening);
  try {
    await listening;
  } catch (err) {
    listensOf(client).delete(uri);
    throw err;
  }
}

async function unsubscribeUpstream(client: Client, uri: string): Promise<void> {
  if (upstreamEra(client) !== "modern") {
    await client.unsubscribeResource({ uri });
    return;
  }
  const listening = listensOf(client).get(uri);
  listensOf(client).delete(uri);
  await (await listening)?.close();
}

/** Subscribes a session to a resource on the connection of the server that has it. */
export async function subscribe(who: { session: string; tokenId: string }, uri: string, client: Client): Promise<void> {
  const { session, tokenId } = who;
  const key = keyOf(session, uri);
  const { seen } = state();
  if (subscriptions().has(key)) {
    seen.set(session, Date.now());
    return;
  }
  if (upstreamEra(client) !== "modern" && !client.getServerCapabilities()?.resources?.subscribe)
    throw new McpError(ErrorCode.InvalidParams, "This resource's server does not offer subscriptions.");
  let ofSession = 0;
  let ofToken = 0;
  for (const s of subscriptions().values()) {
    if (s.session === session) ofSession++;
    if (s.tokenId === tokenId) ofToken++;
  }
  if (ofSession >= MAX_PER_SESSION)
    throw new McpError(
      ErrorCode.InvalidRequest,
      `Too many subscriptions: a session may hold ${MAX_PER_SESSION}. Unsubscribe from resources you no longer follow.`,
    );
  if (ofToken >= MAX_PER_TOKEN)
    throw new McpError(
      ErrorCode.InvalidRequest,
      `Too many subscriptions: this token's sessions hold ${MAX_PER_TOKEN}. Unsubscribe, or end sessions you no longer use (HTTP DELETE).`,
    );
  const subscription: Subscription = {
    session,
    tokenId,
    uri,
    client,
    stopWatching: watchResourceUpdates(client, (updated) => {
      if (updated !== uri && !updated.startsWith(uri)) return;
      void getReplicaBus()
        .publish({ kind: "resource-updated", session, uri: updated })
        .catch(() => {});
    }),
  };
  const upstreamAlready = subscribedUpstream(client, uri);
  subscriptions().set(key, subscription);
  seen.set(session, Date.now());
  if (!upstreamAlready) {
    try {
      await subscribeUpstream(client, uri);
    } catch (err) {
      subscription.stopWatching();
      subscriptions().delete(key);
      forgetIfNone(session);
      throw err;
    }
  }
}

async function unsubscribeHere(session: string, uri: string): Promise<boolean> {
  const key = keyOf(session, uri);
  const s = subscriptions().get(key);
  if (!s) return false;
  subscriptions().delete(key);
  forgetIfNone(session);
  s.stopWatching();
  if (!subscribedUpstream(s.client, s.uri)) await unsubscribeUpstream(s.client, s.uri).catch(() => {});
  return true;
}

/** A session with no subscription left here is no longer watched. */
function forgetIfNone(session: string): void {
  for (const s of subscriptions().values()) if (s.session === session) return;
  state().seen.delete(session);
}

async function endSessionHere(session: string): Promise<void> {
  for (const s of [...subscriptions().values()]) if (s.session === session) await unsubscribeHere(session, s.uri);
  state().seen.delete(session);
}

/** Ends a subscription wherever it is held. */
export async function unsubscribe(session: string, uri: string): Promise<void> {
  if (await unsubscribeHere(session, uri)) return;
  await getReplicaBus().publish({ kind: "unsubscribe", session, uri });
}

/** Ends every subscription of a session, wherever held. */
export async function endSession(session: string): Promise<void> {
  await endSessionHere(session);
  await getReplicaBus()
    .publish({ kind: "session-ended", session })
    .catch(() => {});
}
