import { getReplicaBus } from "@/lib/replica-bus";
import { gatewayCache } from "./hot-path-cache";

/**
 * The standalone event stream a client opens with GET: it hears `list_changed` when the
 * gateway's tools, prompts or resources may have changed (its assignments were saved, or a
 * server's tools were discovered again), on whichever replica the change was made.
 */
type Listener = { gatewayId: string; itemIds: ReadonlySet<string>; send(): void };

const KEY = Symbol.for("mcp-orchestrator.change-listeners");
type ChangeGlobal = typeof globalThis & { [KEY]?: Set<Listener> };

function listeners(): Set<Listener> {
  const g = globalThis as ChangeGlobal;
  if (!g[KEY]) {
    const set = new Set<Listener>();
    g[KEY] = set;
    getReplicaBus().subscribe((m) => {
      if (m.kind !== "gateways-changed" && m.kind !== "catalog-changed") return;
      gatewayCache().clear();
      for (const l of set) {
        if (m.kind === "gateways-changed" && m.gatewayId && m.gatewayId !== l.gatewayId) continue;
        if (m.kind === "catalog-changed" && !l.itemIds.has(m.itemId)) continue;
        l.send();
      }
    });
  }
  return g[KEY];
}

const LIST_CHANGED = ["tools", "prompts", "resources"].map(
  (what) =>
    `event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", method: `notifications/${what}/list_changed` })}\n\n`,
);
const KEEP_ALIVE_MS = 25_000;

export function changeStream(gatewayId: string, itemIds: ReadonlySet<string>, signal: AbortSignal): Response {
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
      const listener: Listener = { gatewayId, itemIds, send: () => LIST_CHANGED.forEach(write) };
      const keepAlive = setInterval(() => write(": keep-alive\n\n"), KEEP_ALIVE_MS);
      keepAlive.unref?.();
      end = () => {
        clearInterval(keepAlive);
        listeners().delete(listener);
      };
      listeners().add(listener);
      signal.addEventListener("abort", () => {
        end();
        try {
          controller.close();
        } catch {
          // Already closed.
        }
      });
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
