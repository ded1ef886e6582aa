import { ErrorCode, type JSONRPCMessage, McpError, type RequestId } from "@modelcontextprotocol/sdk/types.js";
import type { ClientChannel, RelayMessage } from "./inflight";
import { awaitReply, deliverReply, newRelayId } from "./pending-replies";

/** The part of a streamable HTTP server transport a channel writes to. */
export interface EventStream {
  send(message: JSONRPCMessage, options: { relatedRequestId: RequestId }): Promise<void>;
}

const NEEDS: Record<string, "sampling" | "elicitation" | "roots"> = {
  "sampling/createMessage": "sampling",
  "elicitation/create": "elicitation",
  "roots/list": "roots",
};

/**
 * A channel back to the client of one request: messages go out on that request's event
 * stream; replies to relayed requests come back through `deliverReply`.
 */
export function streamChannel(options: {
  stream: EventStream;
  relatedRequestId: RequestId;
  principal: string;
  timeoutMs: number;
  /** Sealed address of this replica, so a reply that reaches another replica finds its way here. */
  route?: string;
  /** What the client declared it can answer; unknown (any) when absent. */
  can?: { sampling: boolean; elicitation: boolean; roots: boolean };
}): ClientChannel {
  const { stream, relatedRequestId, principal } = options;
  let written: Promise<void> = Promise.resolve();
  return {
    principal,
    can: options.can,
    async request(message: RelayMessage, signal?: AbortSignal) {
      const needs = NEEDS[message.method];
      if (options.can && needs && !options.can[needs]) {
        // A client without roots has none to offer; the others cannot be asked.
        if (needs === "roots") return { roots: [] };
        throw new McpError(ErrorCode.MethodNotFound, `The client did not declare ${needs} support.`);
      }
      const id = newRelayId(options.route);
      const reply = awaitReply(id, principal, options.timeoutMs, signal);
      try {
        await stream.send({ jsonrpc: "2.0", id, method: message.method, params: message.params }, { relatedRequestId });
      } catch (err) {
        reply.catch(() => {});
        deliverReply({ id, error: { code: -32603, message: "The client's stream has closed." } }, principal);
        throw err;
      }
      return reply;
    },
    notify(message: RelayMessage) {
      written = written
        .then(() =>
          stream.send({ jsonrpc: "2.0", method: message.method, params: message.params }, { relatedRequestId }),
        )
        .catch(() => {});
    },
    flush: () => written,
  };
}
