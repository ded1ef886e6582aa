import { AsyncLocalStorage } from "node:async_hooks";
import { Client, ProtocolError, ProtocolErrorCode, type RequestId } from "@modelcontextprotocol/client";
import { getLogger } from "@/lib/log";
import type { CorrelatedMessageExtra } from "@/lib/mcp/http-client-transport";
import { requestSent, responseReceived, routeFor } from "./inflight";
import { resourceUpdated } from "./resource-updates";
import { refusalMessage } from "./route-rule";

/**
 * The request on whose event stream the server sent the message being handled, if known; for
 * a 2026-07-28 server, the call whose `input_required` answer is being fulfilled.
 */
const relatedRequest = new AsyncLocalStorage<{ related?: RequestId }>();

/**
 * Watches the connection's messages both ways, for `inflight.ts`: which call a request goes out
 * for, when the server answers it, and on which request's event stream a server's message came
 * (the transport says, for streamable HTTP). Also: the SDK runs notification handlers a
 * microtask after a message arrives but settles responses at once, dropping a progress
 * notification that arrives just before its response (same read) and letting a log message
 * trail the result. Settling responses a microtask later keeps the server's order.
 *
 * A 2026-07-28 server asks for input by answering a call with `input_required`; the client then
 * runs the handlers below for each request it embeds and retries the call under a new id. The
 * answer is handled as related to the call, and each retry (sent from within that handling)
 * counts as the same call, so what the server asks reaches that call's caller and nobody else.
 */
const MAX_RETRIES_IN_FLIGHT = 1000;

function watchMessages(client: Client): void {
  const connect = client.connect.bind(client);
  /** A retry's request id -> the id of the call it retries. */
  const retries = new Map<RequestId, RequestId>();
  client.connect = async (transport, options) => {
    await connect(transport, options);
    const send = transport.send.bind(transport);
    transport.send = (message, sendOptions) => {
      if ("method" in message && "id" in message) {
        const retried = relatedRequest.getStore()?.related;
        if (retried === undefined) requestSent(client, message.id);
        else {
          // A retry the server never answers is forgotten eventually (its call timed out long ago).
          if (retries.size >= MAX_RETRIES_IN_FLIGHT) retries.delete(retries.keys().next().value as RequestId);
          retries.set(message.id, retried);
        }
      }
      return send(message, sendOptions);
    };
    const deliver = transport.onmessage;
    if (!deliver) return;
    transport.onmessage = (message, extra) => {
      if (!("method" in message)) {
        if (!("id" in message) || message.id === undefined) return deliver(message, extra);
        const id = message.id;
        const call = retries.get(id) ?? id;
        retries.delete(id);
        responseReceived(client, id);
        const read = completeWhenUnsaid(client, message);
        queueMicrotask(() => relatedRequest.run({ related: call }, () => deliver(read, extra)));
        return;
      }
      // Only what is relayed by call needs to know its stream; progress is matched by its token.
      if (!("id" in message) && message.method !== "notifications/message") return deliver(message, extra);
      const related = (extra as CorrelatedMessageExtra | undefined)?.relatedRequestId;
      relatedRequest.run({ related }, () => deliver(message, extra));
    };
  };
}

/**
 * A 2026-07-28 result must say its `resultType`; some servers of that revision leave it out of
 * complete results (the MCP project's conformance reference server does, for tool calls). Read
 * as complete, which is what every earlier revision's result is, rather than failing the call:
 * a result that asks for input always says so.
 */
function completeWhenUnsaid<M extends object>(client: Client, message: M): M {
  const result = (message as { result?: unknown }).result;
  if (typeof result !== "object" || result === null || "resultType" in result) return message;
  if (client.getProtocolEra() !== "modern") return message;
  return { ...message, result: { ...result, resultType: "complete" } };
}

/** What a server asks of its client, relayed to a caller. */
interface AskedRequest {
  method: string;
  params?: Record<string, unknown>;
}

/**
 * An MCP client for an upstream server that relays what the server asks during a call
 * (sampling, elicitation, roots: sent during the call by a 2025 server, embedded in an
 * `input_required` answer by a 2026-07-28 one) and the log messages it sends, to the client that
 * made the call, and the answers back. It speaks the server's best era: `server/discover` first,
 * `initialize` when the server does not know it (see `connectUpstream`).
 */
export function relayingClient(info: { name: string; version: string }): Client {
  const client = new Client(info, {
    capabilities: { sampling: {}, elicitation: { form: {}, url: {} }, roots: {} },
    versionNegotiation: { mode: "auto" },
  });
  const relay = async (request: AskedRequest, signal: AbortSignal): Promise<Record<string, unknown>> => {
    const route = routeFor(client, relatedRequest.getStore()?.related);
    if (route.kind === "call") return route.call.request(request, signal);
    // Outside a call no client can be asked; for roots, "none" is an honest answer.
    if (request.method === "roots/list" && route.reason === "no-call") return { roots: [] };
    if (route.reason !== "no-call")
      getLogger().warn({ method: request.method, reason: route.reason }, "refused to relay a server's request");
    throw new ProtocolError(ProtocolErrorCode.InvalidRequest, refusalMessage(request.method, route.reason));
  };
  client.setRequestHandler("sampling/createMessage", (req, ctx) => relay(req, ctx.mcpReq.signal) as never);
  client.setRequestHandler("elicitation/create", (req, ctx) => relay(req, ctx.mcpReq.signal) as never);
  client.setRequestHandler("roots/list", (req, ctx) => relay(req, ctx.mcpReq.signal) as never);
  watchMessages(client);
  client.setNotificationHandler("notifications/message", (notification) => {
    const route = routeFor(client, relatedRequest.getStore()?.related);
    if (route.kind === "call") route.call.notify(notification);
    else getLogger().debug({ level: notification.params.level, reason: route.reason }, "upstream log message dropped");
  });
  client.setNotificationHandler("notifications/resources/updated", (n) => resourceUpdated(client, n.params.uri));
  return client;
}
