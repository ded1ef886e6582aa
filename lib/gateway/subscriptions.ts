import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { watchResourceUpdates } from "@/lib/mcp/relay/resource-updates";
import { getReplicaBus } from "@/lib/replica-bus";
import { gatewayResourceUri } from "./prompts-resources";

/**
 * Resource subscriptions of gateway sessions. The replica that receives `resources/subscribe`
 * subscribes upstream on the caller's connection and holds the subscription; updates go out on
 * the bus to whichever replica holds the session's event stream. An unsubscribe or a session's
 * end that reaches another replica is passed on the same way. Subscriptions live as long as the
 * process that holds them.
 */
interface Subscription {
  session: string;
  uri: string;
  client: Client;
  original: string;
  stopWatching(): void;
}

const KEY = Symbol.for("mcp-orchestrator.gateway-subscriptions");
type SubsGlobal = typeof globalThis & { [KEY]?: Map<string, Subscription> };

function subscriptions(): Map<string, Subscription> {
  const g = globalThis as SubsGlobal;
  if (!g[KEY]) {
    g[KEY] = new Map();
    getReplicaBus().subscribe((m) => {
      if (m.kind === "unsubscribe") void unsubscribeHere(m.session, m.uri);
      if (m.kind === "session-ended") void endSessionHere(m.session);
    });
  }
  return g[KEY];
}

const keyOf = (session: string, uri: string) => `${session}\u0000${uri}`;
/** Whether any session holds a subscription to this resource on this connection. */
const subscribedUpstream = (client: Client, original: string) =>
  [...subscriptions().values()].some((o) => o.client === client && o.original === original);

export async function subscribe(
  session: string,
  uri: string,
  target: { client: Client; prefix: string; original: string },
): Promise<void> {
  const key = keyOf(session, uri);
  if (subscriptions().has(key)) return;
  if (!target.client.getServerCapabilities()?.resources?.subscribe)
    throw new McpError(ErrorCode.InvalidParams, "This resource's server does not offer subscriptions.");
  const subscription: Subscription = {
    session,
    uri,
    client: target.client,
    original: target.original,
    stopWatching: watchResourceUpdates(target.client, (updated) => {
      if (updated !== target.original && !updated.startsWith(target.original)) return;
      void getReplicaBus()
        .publish({ kind: "resource-updated", session, uri: gatewayResourceUri(target.prefix, updated) })
        .catch(() => {});
    }),
  };
  const upstreamAlready = subscribedUpstream(target.client, target.original);
  subscriptions().set(key, subscription);
  if (!upstreamAlready) {
    try {
      await target.client.subscribeResource({ uri: target.original });
    } catch (err) {
      subscription.stopWatching();
      subscriptions().delete(key);
      throw err;
    }
  }
}

async function unsubscribeHere(session: string, uri: string): Promise<boolean> {
  const key = keyOf(session, uri);
  const s = subscriptions().get(key);
  if (!s) return false;
  subscriptions().delete(key);
  s.stopWatching();
  if (!subscribedUpstream(s.client, s.original))
    await s.client.unsubscribeResource({ uri: s.original }).catch(() => {});
  return true;
}

async function endSessionHere(session: string): Promise<void> {
  for (const s of [...subscriptions().values()]) if (s.session === session) await unsubscribeHere(session, s.uri);
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
