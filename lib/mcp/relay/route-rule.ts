import type { RequestId } from "@modelcontextprotocol/client";
import type { TokenCaller } from "@/lib/tokens/authenticate-token";

/**
 * Which call a request (or log message) that an upstream server sends belongs to. Pure: the
 * calls in flight on one connection in, a decision out.
 *
 * A call is in flight on a connection from the moment its request is sent until the server
 * answers it; when its caller gives up first (cancellation, timeout), the server may still be
 * working on it, so it stays in flight until the server answers or, at the latest, until the
 * longest a call may last has passed again.
 *
 * - Correlated (streamable HTTP): the server sent the message on the event stream of one of our
 *   requests. It goes to that call while its caller waits, and to nobody otherwise.
 * - Uncorrelated (stdio, or the server's own GET stream): it goes to the latest call whose caller
 *   waits, only if no other principal's call was in flight on the connection at any moment of
 *   that call's life ("mixed"). Otherwise it is refused, so that nothing one person's call asks
 *   (or asks for, as with sampling) can reach another person. It is refused too while a request
 *   of nobody known (one that is not a tracked call: prompts, resources, lists) is in flight,
 *   since it may be that request's.
 */
export interface InflightCall {
  /** Who the call is for, as `relayPrincipal` names them. */
  readonly principal: string;
  /** The caller still waits for the result (false: abandoned, but the server has not answered). */
  readonly live: boolean;
  /** Another principal's call was in flight on the connection at some moment of this call's life. */
  readonly mixed: boolean;
  /** The JSON-RPC id its request went out with, once sent. */
  readonly requestId?: RequestId;
}

export type Refusal =
  /** No call waits on this connection. */
  | "no-call"
  /** The call it would go to shared its life with another principal's call. */
  | "several-callers"
  /** The server named a call whose caller has gone. */
  | "call-ended"
  /** The server named a request that is not a call we relay for. */
  | "not-a-call"
  /** A request that is not a tracked call is in flight: the message may be its. */
  | "other-request";

export type Route<C> = { kind: "call"; call: C } | { kind: "refused"; reason: Refusal };

/**
 * Whether a call of `principal` that starts now shares its life with another principal's call
 * (and so do those calls): two lives overlap exactly when one starts while the other is in flight.
 */
export function startsMixed(inflight: readonly Pick<InflightCall, "principal">[], principal: string): boolean {
  return inflight.some((c) => c.principal !== principal);
}

/**
 * The call a server's message belongs to, or why it belongs to none (see above).
 * `othersInFlight`: whether a request that is not a tracked call awaits the server's answer.
 */
export function routeServerMessage<C extends InflightCall>(
  inflight: readonly C[],
  related?: RequestId,
  othersInFlight = false,
): Route<C> {
  if (related !== undefined) {
    const call = inflight.find((c) => c.requestId !== undefined && c.requestId === related);
    if (!call) return { kind: "refused", reason: "not-a-call" };
    return call.live ? { kind: "call", call } : { kind: "refused", reason: "call-ended" };
  }
  const latest = inflight.findLast((c) => c.live);
  if (!latest) return { kind: "refused", reason: "no-call" };
  if (othersInFlight) return { kind: "refused", reason: "other-request" };
  if (latest.mixed) return { kind: "refused", reason: "several-callers" };
  return { kind: "call", call: latest };
}

/**
 * The principal a gateway call is made for. A personal token acts for its person, so all of one
 * person's tokens are one principal (`user:<id>`). A team or organisation token is its own
 * principal (`token:<id>`): several people may hold different tokens of one team, and nothing
 * says the holders of two tokens are the same person.
 */
export function relayPrincipal(caller: Pick<TokenCaller, "tokenKind" | "tokenId" | "userId">): string {
  return caller.tokenKind === "user" && caller.userId ? `user:${caller.userId}` : `token:${caller.tokenId}`;
}

/** What the server is told when its request is refused. */
export function refusalMessage(method: string, reason: Refusal): string {
  switch (reason) {
    case "no-call":
      return `${method} can only be relayed to a client during one of its tool calls.`;
    case "several-callers":
      return `${method} cannot be relayed: calls of several callers were in flight on this connection during this call.`;
    case "call-ended":
      return `${method} cannot be relayed: the call it belongs to has ended.`;
    case "not-a-call":
      return `${method} cannot be relayed: it does not belong to a tool call.`;
    case "other-request":
      return `${method} cannot be relayed: a request other than a tool call is in flight on this connection.`;
  }
}
