import {
  CLIENT_CAPABILITIES_META_KEY,
  type CallToolResult,
  type ClientCapabilities,
  type InputRequiredResult,
  type InputRequests,
  inputRequired,
  LOG_LEVEL_META_KEY,
  ProtocolError,
  type RequestId,
  type Server,
} from "@modelcontextprotocol/server";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { cancellableCall } from "@/lib/mcp/relay/cancellation";
import type { ClientChannel, RelayMessage } from "@/lib/mcp/relay/inflight";
import { streamChannel } from "@/lib/mcp/relay/stream-channel";
import { callGatewayTool } from "./call-tool";
import { connectFirst } from "./connect-by-url";
import type { GatewayExchange } from "./exchange";
import type { GatewayScope, HandlerContext } from "./gateway-server";
import { openedCallState, sealCallState, sealInputRequired } from "./modern-leg";
import { findParked, type ParkedOutcome, parkCall } from "./parked-calls";
import { listenForCancellations, replicaRoute, resumeElsewhere } from "./relay-routing";
import { declaredCapabilities, type GatewaySession } from "./session";

const INVALID_PARAMS = -32602;

/**
 * How one request's tools/calls reach their upstream: cancellable by the caller (the HTTP
 * request going away, or `notifications/cancelled` on any replica), with a channel back for
 * what the server sends during the call. A 2025-era caller hears it on the request's event
 * stream and answers by POST; a 2026-07-28 caller hears notifications on the response stream,
 * and a server's questions reach it as an `input_required` result whose `requestState` the
 * gateway seals (modern-leg.ts).
 */
export function toolCallRunner(
  exchange: GatewayExchange,
  scope: Omit<GatewayScope, "callTool">,
  era: "legacy" | "modern",
  session?: GatewaySession | null,
): GatewayScope["callTool"] {
  return async (call, server, c) => {
    const tool = scope.byName.get(call.name);
    if (!tool) throw new ProtocolError(INVALID_PARAMS, `Unknown tool: ${call.name}`);
    listenForCancellations();
    const running = cancellableCall(scope.tokenId, call.requestId, [call.signal]);
    const stopWatching = exchange.whenGone(running.cancel);
    const modern = era === "modern";
    // What the caller can be asked: declared per request in 2026-07-28, at initialize before.
    const can = modern ? declaredCapabilities(envelopeOf(c)[CLIENT_CAPABILITIES_META_KEY]) : session?.can;
    const channel = modern
      ? streamChannel({
          stream: { send: (message) => notifyOnly(c, message) },
          relatedRequestId: call.requestId,
          principal: scope.tokenId,
          timeoutMs: scope.ctx.timeoutMs,
          route: replicaRoute(),
          can,
        })
      : sessionChannel(scope, server, call.requestId, can);
    try {
      const state = modern ? openedCallState(c, call.name) : undefined;
      if (can?.url) {
        const asked = await connectFirst({
          ctx: scope.ctx,
          assignment: tool.assignment,
          signal: running.signal,
          ...(modern
            ? {
                era: "modern",
                answer: state?.connect ? (c.mcpReq.inputResponses?.connect ?? null) : undefined,
                seal: () => sealCallState({ tool: call.name, connect: true }, c),
              }
            : { era: "legacy", channel }),
        });
        if (asked) return asked;
      }
      if (modern && state?.parked) {
        // A round of a bridged call: the answers go to the 2025 server that asked, wherever it waits.
        const resume = { principal: scope.tokenId, parked: state.parked, tool: call.name };
        const outcome =
          state.route && state.route !== replicaRoute()
            ? await resumeElsewhere(state.route, { ...resume, inputResponses: c.mcpReq.inputResponses })
            : await resumeHere(resume, c.mcpReq.inputResponses, running.signal, (m) => void notifyOnly(c, m));
        return await answerOf(outcome, call.name, state.parked, state.route, c);
      }
      const extra = { requestId: call.requestId, _meta: call._meta, signal: running.signal } as never;
      const passThrough = modern
        ? {
            // The caller's answers go to the server that asked (a connect prompt's are the gateway's).
            inputResponses: state?.connect ? undefined : c.mcpReq.inputResponses,
            requestState: state?.upstream,
            capabilities: envelopeOf(c)[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined,
          }
        : undefined;
      // A 2026-07-28 caller that can answer questions: a 2025 server's questions park the call.
      const parked =
        modern && (can?.sampling || can?.elicitation || can?.roots)
          ? parkCall(scope.tokenId, call.name, scope.ctx.timeoutMs)
          : null;
      if (!parked) {
        const result = await callGatewayTool(scope.ctx, tool, call.arguments, extra, channel, passThrough);
        return modern ? await sealInputRequired(result, call.name, c) : result;
      }
      parked.notify = (m) => void notifyOnly(c, m);
      // The call outlives this request when it parks: it stops with the parked call, not the request.
      const upstreamExtra = { requestId: call.requestId, _meta: call._meta, signal: parked.controller.signal } as never;
      callGatewayTool(scope.ctx, tool, call.arguments, upstreamExtra, parked.channel(can), passThrough).then(
        (result) => parked.settle({ kind: "done", result }),
        (err: Error) => parked.settle({ kind: "failed", message: err.message }),
      );
      const outcome = await parked.next(running.signal);
      parked.notify = () => {};
      return await answerOf(outcome, call.name, parked.id, replicaRoute(), c);
    } finally {
      stopWatching();
      running.done();
    }
  };
}

/**
 * The way back to a 2025-era caller during one of its requests: what the server asks goes out
 * on the request's event stream (`server`'s transport), and the answer comes back by POST to any
 * replica (routed here by `route`). `can` is what the session's client declared.
 */
export function sessionChannel(
  scope: Omit<GatewayScope, "callTool">,
  server: Server | undefined,
  requestId: RequestId,
  can: GatewaySession["can"] | undefined,
): ClientChannel {
  return streamChannel({
    stream: { send: (message, options) => server?.transport?.send(message as never, options) ?? Promise.resolve() },
    relatedRequestId: requestId,
    principal: scope.tokenId,
    timeoutMs: scope.ctx.timeoutMs,
    route: replicaRoute(),
    can,
  });
}

/** The caller's answers to a call parked on this replica, then what the call does next. */
async function resumeHere(
  resume: { principal: string; parked: string; tool: string },
  inputResponses: Record<string, unknown> | undefined,
  signal: AbortSignal,
  notify: (m: RelayMessage) => void,
): Promise<ParkedOutcome> {
  const parked = findParked(resume.parked, resume.principal, resume.tool);
  if (!parked)
    throw new ProtocolError(
      INVALID_PARAMS,
      "This call is no longer waiting for answers (it ended, or nobody answered in time): call the tool again.",
    );
  parked.notify = notify;
  parked.answer(inputResponses);
  const outcome = await parked.next(signal);
  parked.notify = () => {};
  return outcome;
}

/** What a round of a bridged call answers the caller: the result, or the questions with sealed state. */
async function answerOf(
  outcome: ParkedOutcome,
  tool: string,
  parked: string,
  route: string | undefined,
  c: HandlerContext,
): Promise<CallToolResult | InputRequiredResult> {
  if (outcome.kind === "done") return sealInputRequired(outcome.result as CallToolResult, tool, c);
  if (outcome.kind === "failed") return { isError: true, content: [{ type: "text", text: outcome.message }] };
  return inputRequired({
    inputRequests: outcome.inputRequests as InputRequests,
    requestState: await sealCallState({ tool, parked, route }, c),
  });
}

/** The reserved `_meta` keys of a 2026-07-28 request (none for a 2025 one). */
const envelopeOf = (c: HandlerContext) => (c.mcpReq.envelope ?? {}) as Record<string, unknown>;

const LOG_LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];

/**
 * A 2026-07-28 caller is sent notifications only: log messages when it asked for them (its
 * `_meta` logLevel) at that level or above, progress when it gave a token. What a server asks
 * mid-call is refused.
 */
async function notifyOnly(c: HandlerContext, message: JSONRPCMessage | RelayMessage): Promise<void> {
  if ("method" in message && !("id" in message)) {
    if (message.method === "notifications/message") {
      const wanted = LOG_LEVELS.indexOf(String(envelopeOf(c)[LOG_LEVEL_META_KEY]));
      const level = LOG_LEVELS.indexOf(String(message.params?.level));
      if (wanted < 0 || level < wanted) return;
    }
    await c.mcpReq.notify({ method: message.method, params: message.params } as never);
    return;
  }
  throw new ProtocolError(-32601, "This client speaks 2026-07-28: it cannot be asked during a call.");
}
