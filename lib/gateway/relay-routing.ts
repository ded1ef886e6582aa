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
import { findParked, type ParkedOutcome } from "./parked-calls";

/**
 * Follow-up messages across replicas. A reply to a relayed request carries, sealed in its id,
 * the address of the replica that waits for it, and is forwarded there; a cancellation goes to
 * every replica over the bus. Replica addresses never reach clients in the clear.
 */
const ROUTE_CONTEXT = { table: "relay", id: "replica-route" };
const RELAY_PATH = "/api/internal/relay";
const BRIDGE_PATH = "/api/internal/bridge";

let route: string | undefined;

/** This replica's sealed address for relay ids (none with a single replica). */
export function replicaRoute(): string | undefined {
  const url = getEnv().ARCHESTRA_REPLICA_URL;
  if (!url) return undefined;
  route ??= seal(getKeyring(), url, ROUTE_CONTEXT);
  return route;
}

/** The other replica a sealed route names, or null (unreadable, or this replica). */
function otherReplica(sealed: string): string | null {
  let target: string;
  try {
    target = open(getKeyring(), sealed, ROUTE_CONTEXT);
  } catch {
    return null;
  }
  const me = getEnv().ARCHESTRA_REPLICA_URL;
  return !me || target === me ? null : target;
}

/** A signed POST to another replica's internal listener; null when it cannot be reached. */
async function postToReplica(target: string, path: string, body: string, timeoutMs: number) {
  const headers = signReplicaRequest(replicaSigningKey(getAuthSecret()), {
    method: "POST",
    to: target,
    path,
    body,
    from: getEnv().ARCHESTRA_REPLICA_URL as string,
  });
  return plainFetch(new URL(path, target), {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  }).catch((err: Error) => {
    getLogger().warn({ err: err.message, path }, "could not reach another replica");
    return null;
  });
}

/** Delivers a caller's reply here or at the replica that waits for it; false if nobody does. */
export async function routeReply(reply: Reply, principal: string): Promise<boolean> {
  if (deliverReply(reply, principal) === "delivered") return true;
  const sealed = relayRoute(reply.id);
  const target = sealed ? otherReplica(sealed) : null;
  if (!target) return false;
  // The body names the caller the reply is from; the signature vouches for it.
  const response = await postToReplica(target, RELAY_PATH, JSON.stringify({ principal, reply }), 10_000);
  await response?.body?.cancel().catch(() => {});
  return response?.status === 202;
}

export interface Resume {
  principal: string;
  parked: string;
  tool: string;
  inputResponses?: Record<string, unknown>;
}

/**
 * A round of a bridged call whose call is parked on another replica (parked-calls.ts): the
 * answers go there, and what the call does next comes back.
 */
export async function resumeElsewhere(sealed: string, resume: Resume): Promise<ParkedOutcome> {
  const target = otherReplica(sealed);
  const gone = { kind: "failed", message: "The replica that held this call is gone: call the tool again." } as const;
  if (!target) return gone;
  const response = await postToReplica(
    target,
    BRIDGE_PATH,
    JSON.stringify(resume),
    getEnv().ARCHESTRA_GATEWAY_CALL_TIMEOUT_SECONDS * 1000 + 5000,
  );
  if (!response?.ok) {
    await response?.body?.cancel().catch(() => {});
    return response?.status === 404
      ? { kind: "failed", message: "This call is no longer waiting for answers: call the tool again." }
      : gone;
  }
  return (await response.json()) as ParkedOutcome;
}

/**
 * A round another replica forwarded here (POST /api/internal/bridge on the internal listener),
 * its replica signature already checked.
 */
export async function handleForwardedResume(body: unknown, signal: AbortSignal): Promise<Response> {
  const r = (body ?? {}) as Partial<Resume>;
  if (typeof r.principal !== "string" || typeof r.parked !== "string" || typeof r.tool !== "string")
    return Response.json({ error: "expected {principal, parked, tool, inputResponses}" }, { status: 400 });
  const parked = findParked(r.parked, r.principal, r.tool);
  if (!parked) return Response.json({ error: "no such parked call" }, { status: 404 });
  parked.answer(typeof r.inputResponses === "object" && r.inputResponses ? r.inputResponses : undefined);
  return Response.json(await parked.next(signal));
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
