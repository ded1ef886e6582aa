import { randomUUID } from "node:crypto";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";

/**
 * Requests relayed to calling clients that wait for the client's reply. In stateless mode the
 * reply arrives as a new HTTP request, possibly at another replica: the id says where to go
 * (`relay.<nonce>` here, `relay.<nonce>.<route>` with a sealed route to the replica that waits).
 */
interface Pending {
  principal: string;
  settle(reply: { result?: unknown; error?: { code: number; message: string; data?: unknown } }): void;
}

const KEY = Symbol.for("mcp-orchestrator.pending-replies");
type PendingGlobal = typeof globalThis & { [KEY]?: Map<string, Pending> };

function pending(): Map<string, Pending> {
  const g = globalThis as PendingGlobal;
  g[KEY] ??= new Map();
  return g[KEY];
}

export const RELAY_ID_PREFIX = "relay.";

export function newRelayId(route?: string): string {
  return `${RELAY_ID_PREFIX}${randomUUID()}${route ? `.${route}` : ""}`;
}

/** The route part of a relay id, if any. */
export function relayRoute(id: unknown): string | null {
  if (typeof id !== "string" || !id.startsWith(RELAY_ID_PREFIX)) return null;
  const rest = id.slice(RELAY_ID_PREFIX.length);
  const dot = rest.indexOf(".");
  return dot < 0 ? null : rest.slice(dot + 1);
}

/** Waits for the reply to relayed request `id`, from `principal` only. */
export function awaitReply(
  id: string,
  principal: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      pending().delete(id);
    };
    const onAbort = () => {
      done();
      reject(new McpError(ErrorCode.RequestTimeout, "The call ended before the client answered."));
    };
    const timer = setTimeout(() => {
      done();
      reject(new McpError(ErrorCode.RequestTimeout, `The client did not answer within ${timeoutMs} ms.`));
    }, timeoutMs);
    timer.unref?.();
    signal?.addEventListener("abort", onAbort, { once: true });
    pending().set(id, {
      principal,
      settle: (reply) => {
        done();
        if (reply.error) reject(new McpError(reply.error.code, reply.error.message, reply.error.data));
        else resolve((reply.result ?? {}) as Record<string, unknown>);
      },
    });
  });
}

export type Delivery = "delivered" | "unknown";

/**
 * Hands a client's reply to the request waiting for it. A reply from anyone but the caller the
 * request was sent to is treated as unknown, so one caller cannot answer for another.
 */
export function deliverReply(
  reply: { id: unknown; result?: unknown; error?: { code: number; message: string; data?: unknown } },
  principal: string,
): Delivery {
  const waiting = typeof reply.id === "string" ? pending().get(reply.id) : undefined;
  if (!waiting || waiting.principal !== principal) return "unknown";
  waiting.settle(reply);
  return "delivered";
}
