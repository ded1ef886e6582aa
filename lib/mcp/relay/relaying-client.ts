import { AsyncLocalStorage } from "node:async_hooks";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
  type RequestId,
  ResourceUpdatedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { getLogger } from "@/lib/log";
import type { CorrelatedMessageExtra } from "@/lib/mcp/http-client-transport";
import { requestSent, responseReceived, routeFor } from "./inflight";
import { refusalMessage } from "./route-rule";
import { resourceUpdated } from "./resource-updates";

/** The request on whose event stream the server sent the message being handled, if known. */
const relatedRequest = new AsyncLocalStorage<{ related?: RequestId }>();

/**
 * Watches the connection's messages both ways, for `inflight.ts`: which call a request goes out
 * for, when the server answers it, and on which request's event stream a server's message came
 * (the transport says, for streamable HTTP). Also: the SDK runs notification handlers a
 * microtask after a message arrives but settles responses at once, dropping a progress
 * notification that arrives just before its response (same read) and letting a log message
 * trail the result. Settling responses a microtask later keeps the server's order.
 */
function watchMessages(client: Client): void {
  const connect = client.connect.bind(client);
  client.connect = async (transport, options) => {
    await connect(transport, options);
    const send = transport.send.bind(transport);
    transport.send = (message, sendOptions) => {
      if ("method" in message && "id" in message) requestSent(client, message.id);
      return send(message, sendOptions);
    };
    const deliver = transport.onmessage;
    if (!deliver) return;
    transport.onmessage = (message, extra) => {
      if (!("method" in message)) {
        if ("id" in message && message.id !== undefined) responseReceived(client, message.id);
        queueMicrotask(() => deliver(message, extra));
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
 * An MCP client for an upstream server that relays what the server asks during a call
 * (sampling, elicitation, roots) and the log messages it sends to the client that made the
 * call, and the answers back.
 */
export function relayingClient(info: { name: string; version: string }): Client {
  const client = new Client(info, {
    capabilities: { sampling: {}, elicitation: { form: {}, url: {} }, roots: {} },
  });
  const relay = async (
    request: { method: string; params?: Record<string, unknown> },
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> => {
    const route = routeFor(client, relatedRequest.getStore()?.related);
    if (route.kind === "call") return route.call.request(request, signal);
    // Outside a call no client can be asked; for roots, "none" is an honest answer.
    if (request.method === "roots/list" && route.reason === "no-call") return { roots: [] };
    if (route.reason !== "no-call")
      getLogger().warn({ method: request.method, reason: route.reason }, "refused to relay a server's request");
    throw new McpError(ErrorCode.InvalidRequest, refusalMessage(request.method, route.reason));
  };
  client.setRequestHandler(CreateMessageRequestSchema, (req, extra) => relay(req, extra.signal) as never);
  client.setRequestHandler(ElicitRequestSchema, (req, extra) => relay(req, extra.signal) as never);
  client.setRequestHandler(ListRootsRequestSchema, (req, extra) => relay(req, extra.signal) as never);
  watchMessages(client);
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    const route = routeFor(client, relatedRequest.getStore()?.related);
    if (route.kind === "call") route.call.notify(notification);
    else getLogger().debug({ level: notification.params.level, reason: route.reason }, "upstream log message dropped");
  });
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => resourceUpdated(client, n.params.uri));
  return client;
}
