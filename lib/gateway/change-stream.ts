import { getReplicaBus } from "@/lib/replica-bus";

/**
 * The standalone event stream a client opens with GET: it hears `list_changed` when the
 * gateway's tools, prompts or resources may have changed (its assignments were saved, or a
 * server's tools were discovered again), and `resources/updated` for its session's
 * subscriptions, on whichever replica the change was made or the subscription is held. The
 * caller's right to it is checked again every second: a revoked token, a caller who may no longer
 * use the gateway, or an ended session loses the stream. A token holds no more than a set number of
 * streams on one replica (ARCHESTRA_GATEWAY_MAX_STREAMS_PER_TOKEN): one more is refused, 429.
 */
type Listener = {
  tokenId: string;
  gatewayId: string;
  itemIds: ReadonlySet<string>;
  session: string | null;
  send(): void;
  updated(uri: string): void;
};

const KEY = Symbol.for("mcp-orchestrator.change-listeners");
type ChangeGlobal = typeof globalThis & { [KEY]?: Set<Listener> };

function listeners(): Set<Listener> {
  const g = globalThis as ChangeGlobal;
  if (!g[KEY]) {
    const set = new Set<Listener>();
    g[KEY] = set;
    getReplicaBus().subscribe((m) => {
      if (m.kind === "resource-updated") {
        for (const l of set) if (l.session === m.session) l.updated(m.uri);
        return;
      }
      if (m.kind !== "gateways-changed" && m.kind !== "catalog-changed") return;
      for (const l of set) {
        if (m.kind === "gateways-changed" && m.gatewayId && m.gatewayId !== l.gatewayId) continue;
        if (m.kind === "catalog-changed" && !l.itemIds.has(m.itemId)) continue;
        l.send();
      }
    });
  }
  return g[KEY];
}

const event = (message: unknown) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;
const LIST_CHANGED = ["tools", "prompts", "resources"].map((what) =>
  event({ jsonrpc: "2.0", method: `notifications/${what}/list_changed` }),
);
const KEEP_ALIVE_MS = 25_000;
const RECHECK_MS = 1000;

/** The streams a token holds open on this replica. */
export function streamsOfToken(tokenId: string): number {
  let n = 0;
  for (const l of listeners()) if (l.tokenId === tokenId) n++;
  return n;
}

/** Sessions with an event stream open on this replica (their subscriptions are in use). */
export function sessionsWithStreams(): Set<string> {
  const sessions = new Set<string>();
  for (const l of listeners()) if (l.session) sessions.add(l.session);
  return sessions;
}

export interface ChangeStreamOptions {
  tokenId: string;
  gatewayId: string;
  /** The servers the gateway offers: a change to one of them is a change to the gateway. */
  itemIds: ReadonlySet<string>;
  session: string | null;
  signal: AbortSignal;
  stillAllowed: () => Promise<boolean>;
  /** The most streams one token may hold on this replica. */
  maxPerToken: number;
}

/** The event stream, or null when the token already holds as many as it may. */
export function changeStream(options: ChangeStreamOptions): Response | null {
  const { tokenId, gatewayId, itemIds, session, signal, stillAllowed } = options;
  // Counted and registered in the same turn (the stream's start runs in its constructor), so
  // requests arriving together cannot all pass the count.
  if (streamsOfToken(tokenId) >= options.maxPerToken) return null;
  const encoder = new TextEncoder();
  let end = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          end();
        }
      };
      const listener: Listener = {
        tokenId,
        gatewayId,
        itemIds,
        session,
        send: () => LIST_CHANGED.forEach(write),
        updated: (uri) => write(event({ jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri } })),
      };
      const close = () => {
        end();
        try {
          controller.close();
        } catch {
          // Already closed.
        }
      };
      const keepAlive = setInterval(() => write(": keep-alive\n\n"), KEEP_ALIVE_MS);
      keepAlive.unref?.();
      // One check at a time, the next a second after the last one answered. A check that fails
      // (the database is briefly away) keeps the stream; a "no" ends it.
      let ended = false;
      let recheck: NodeJS.Timeout | undefined;
      const scheduleCheck = () => {
        recheck = setTimeout(() => {
          void stillAllowed()
            .then(
              (ok) => ok || close(),
              () => {},
            )
            .finally(() => ended || scheduleCheck());
        }, RECHECK_MS);
        recheck.unref?.();
      };
      scheduleCheck();
      end = () => {
        ended = true;
        clearInterval(keepAlive);
        clearTimeout(recheck);
        listeners().delete(listener);
      };
      listeners().add(listener);
      signal.addEventListener("abort", close);
      // An opening comment, so clients and proxies see the stream start at once.
      write(": stream open\n\n");
    },
    cancel: () => end(),
  });
  return new Response(body, {
    headers: {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache, no-transform",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    },
  });
}
