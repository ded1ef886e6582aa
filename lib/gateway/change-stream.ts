import { getReplicaBus } from "@/lib/replica-bus";
import { type HoldOptions, holdStream } from "./held-streams";

/**
 * The standalone event stream a 2025 session opens with GET: it hears `list_changed` when the
 * gateway's tools, prompts or resources may have changed (its assignments were saved, or a
 * server's tools were discovered again), and `resources/updated` for its session's
 * subscriptions, on whichever replica the change was made or the subscription is held. It is a
 * held stream (held-streams.ts): counted against the token's limit, and ended when the caller
 * loses the right to it.
 */
type Listener = {
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

export interface ChangeStreamOptions extends HoldOptions {
  gatewayId: string;
  /** The servers the gateway offers: a change to one of them is a change to the gateway. */
  itemIds: ReadonlySet<string>;
  session: string | null;
}

/** The event stream, or null when the token already holds as many streams as it may. */
export function changeStream(options: ChangeStreamOptions): Response | null {
  const { gatewayId, itemIds, session } = options;
  const held = holdStream(options);
  if (!held) return null;
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
      end = () => {
        clearInterval(keepAlive);
        listeners().delete(listener);
        held.release();
      };
      listeners().add(listener);
      if (held.signal.aborted) close();
      else held.signal.addEventListener("abort", close, { once: true });
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
