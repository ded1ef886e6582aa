import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
  ResourceUpdatedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { getLogger } from "@/lib/log";
import { channelFor } from "./inflight";
import { resourceUpdated } from "./resource-updates";

/**
 * The SDK runs notification handlers a microtask after a message arrives but settles responses
 * at once, dropping a progress notification that arrives just before its response (same read)
 * and letting a log message trail the result. Settling responses a microtask later keeps the
 * server's order.
 */
function keepNotificationsBeforeResponses(client: Client): void {
  const connect = client.connect.bind(client);
  client.connect = async (transport, options) => {
    await connect(transport, options);
    const deliver = transport.onmessage;
    if (!deliver) return;
    transport.onmessage = (message, extra) => {
      if ("id" in message && !("method" in message)) queueMicrotask(() => deliver(message, extra));
      else deliver(message, extra);
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
    const choice = channelFor(client);
    if (choice.kind === "channel") return choice.channel.request(request, signal);
    // Outside a call no client can be asked; for roots, "none" is an honest answer.
    if (request.method === "roots/list") return { roots: [] };
    throw new McpError(
      ErrorCode.InvalidRequest,
      choice.kind === "none"
        ? `${request.method} can only be relayed to a client during one of its tool calls.`
        : `${request.method} cannot be relayed: calls of several callers are in flight on this connection.`,
    );
  };
  client.setRequestHandler(CreateMessageRequestSchema, (req, extra) => relay(req, extra.signal) as never);
  client.setRequestHandler(ElicitRequestSchema, (req, extra) => relay(req, extra.signal) as never);
  client.setRequestHandler(ListRootsRequestSchema, (req, extra) => relay(req, extra.signal) as never);
  keepNotificationsBeforeResponses(client);
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    const choice = channelFor(client);
    if (choice.kind === "channel") choice.channel.notify(notification);
    else getLogger().debug({ level: notification.params.level }, "upstream log message outside a call dropped");
  });
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => resourceUpdated(client, n.params.uri));
  return client;
}
