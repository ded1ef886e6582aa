import type { RequestId } from "@modelcontextprotocol/sdk/types.js";
import { getAuthSecret, getKeyring } from "@/lib/app-secrets";
import { open, seal } from "@/lib/crypto";
import { getEnv } from "@/lib/env";
import { plainFetch } from "@/lib/http/plain-fetch";
import { getLogger } from "@/lib/log";
import { cancelCall } from "@/lib/mcp/relay/cancellation";
import type { Reply } from "@/lib/mcp/relay/follow-up";
import { deliverReply, relayRoute } from "@/lib/mcp/relay/pending-replies";
import { replicaProof, verifyReplicaProof } from "@/lib/orchestrator/stream-lease";
import { getReplicaBus } from "@/lib/replica-bus";

/**
 * Follow-up messages across replicas. A reply to a relayed request carries, sealed in its id,
 * the address of the replica that waits for it, and is forwarded there; a cancellation goes to
 * every replica over the bus. Replica addresses never reach clients in the clear.
 */
const ROUTE_CONTEXT = { table: "relay", id: "replica-route" };
const PROOF_SUBJECT = "relay-reply";

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
  if (target === getEnv().ARCHESTRA_REPLICA_URL) return false;
  const response = await plainFetch(new URL("/api/internal/relay", target), {
    method: "POST",
    headers: { "content-type": "application/json", "x-replica-proof": replicaProof(getAuthSecret(), PROOF_SUBJECT) },
    body: JSON.stringify({ principal, reply }),
  }).catch((err: Error) => {
    getLogger().warn({ err: err.message }, "could not forward a relay reply to its replica");
    return null;
  });
  return response?.status === 202;
}

/** A reply another replica forwarded here (POST /api/internal/relay). */
export async function handleForwardedReply(request: Request): Promise<Response> {
  if (!verifyReplicaProof(getAuthSecret(), PROOF_SUBJECT, request.headers.get("x-replica-proof")))
    return Response.json({ error: "not a replica of this deployment" }, { status: 403 });
  const { principal, reply } = (await request.json()) as { principal: string; reply: Reply };
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
