import type { RequestId } from "@modelcontextprotocol/client";
import { getAuthSecret, getKeyring } from "@/lib/app-secrets";
import { open, seal } from "@/lib/crypto";
import { getEnv } from "@/lib/env";
import { plainFetch } from "@/lib/http/plain-fetch";
import { getLogger } from "@/lib/log";
import { cancelCall } from "@/lib/mcp/relay/cancellation";
import { asReply, type Reply } from "@/lib/mcp/relay/follow-up";
import { deliverReply, relayRoute } from "@/lib/mcp/relay/pending-replies";
import { replicaSigningKey, signReplicaRequest } from "@/lib/orchestrator/replica-signature";
import { getReplicaBus } from "@/lib/replica-bus";

/**
 * Follow-up messages across replicas. A reply to a relayed request carries, sealed in its id,
 * the address of the replica that waits for it, and is forwarded there; a cancellation goes to
 * every replica over the bus. Replica addresses never reach clients in the clear.
 */
const ROUTE_CONTEXT = { table: "relay", id: "replica-route" };
const RELAY_PATH = "/api/internal/relay";

let route: string | undefined;

/** This replica's sealed address for relay ids (none with a single replica). */
export function replicaRoute(): string | undefined {
  const url = getEnv().ARCHESTRA_REPLICA_URL;
  if (!url) return undefined;
  route ??= seal(getKeyring(), url, ROUTE_CONTEXT);
  return route;
}

/** Delivers a caller's reply here or at the replica that waits for it; false if nobody does. */
export async function routeReply(reply: Reply, principal: string): Promise<boolean> {
  if (deliverReply(reply, principal) === "delivered") return true;
  const sealed = relayRoute(reply.id);
  if (!sealed) return false;
  let target: string;
  try {
    target = open(getKeyring(), sealed, ROUTE_CONTEXT);
  } catch {
    return false;
  }
  const me = getEnv().ARCHESTRA_REPLICA_URL;
  if (!me || target === me) return false;
  // The body names the caller the reply is from; the signature vouches for it.
  const body = JSON.stringify({ principal, reply });
  const headers = signReplicaRequest(replicaSigningKey(getAuthSecret()), {
    method: "POST",
    to: target,
    path: RELAY_PATH,
    body,
    from: me,
  });
  const response = await plainFetch(new URL(RELAY_PATH, target), {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
    signal: AbortSignal.timeout(10_000),
  }).catch((err: Error) => {
    getLogger().warn({ err: err.message }, "could not forward a relay reply to its replica");
    return null;
  });
  await response?.body?.cancel().catch(() => {});
  return response?.status === 202;
}

/**
 * A reply another replica forwarded here (POST /api/internal/relay on the internal listener),
 * its replica signature already checked; `body` is the parsed body.
 */
export function handleForwardedReply(body: unknown): Response {
  const { principal, reply: raw } = (body ?? {}) as { principal?: unknown; reply?: unknown };
  const reply = asReply(raw);
  if (typeof principal !== "string" || !reply)
    return Response.json({ error: "expected {principal, reply}" }, { status: 400 });
  return new Response(null, { status: deliverReply(reply, principal) === "delivered" ? 202 : 404 });
}

let subscribed = false;

/** Makes this replica act on cancellations other replicas receive. */
export function listenForCancellations(): void {
  if (subscribed) return;
  subscribed = true;
  getReplicaBus().subscribe((m) => {
    if (m.kind === "cancel") cancelCall(m.principal, m.requestId, m.reason);
  });
}

/** Cancels the caller's call wherever it runs. */
export async function routeCancellation(principal: string, requestId: RequestId, reason?: string): Promise<void> {
  if (cancelCall(principal, requestId, reason)) return;
  if (getEnv().DATABASE_URL) await getReplicaBus().publish({ kind: "cancel", principal, requestId, reason });
}
