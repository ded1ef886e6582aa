import { CancelledNotificationSchema, type RequestId } from "@modelcontextprotocol/sdk/types.js";

/**
 * In stateless streamable HTTP a client's reply to a relayed request, and its cancellation of
 * a call, arrive as HTTP requests of their own. These recognise them.
 */
export type Reply = { id: RequestId; result?: unknown; error?: { code: number; message: string; data?: unknown } };

export function asReply(body: unknown): Reply | null {
  if (typeof body !== "object" || body === null || "method" in body || !("id" in body)) return null;
  return "result" in body || "error" in body ? (body as Reply) : null;
}

export function asCancellation(body: unknown): { requestId: RequestId; reason?: string } | null {
  if ((body as { method?: unknown } | null)?.method !== "notifications/cancelled") return null;
  const parsed = CancelledNotificationSchema.safeParse(body);
  if (!parsed.success || parsed.data.params.requestId === undefined) return null;
  return { requestId: parsed.data.params.requestId, reason: parsed.data.params.reason };
}
