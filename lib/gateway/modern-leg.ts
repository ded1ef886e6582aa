import { createHmac } from "node:crypto";
import {
  createMcpHandler,
  createRequestStateCodec,
  InMemoryServerEventBus,
  type InputRequiredResult,
  isInputRequiredResult,
  type McpHttpHandler,
  ProtocolError,
  type RequestStateCodec,
} from "@modelcontextprotocol/server";
import { getAuthSecret } from "@/lib/app-secrets";
import { getLogger } from "@/lib/log";
import { processGlobal } from "@/lib/process-global";
import { getReplicaBus } from "@/lib/replica-bus";
import { type GatewayAnswer, type GatewayExchange, MAX_BODY_BYTES } from "./exchange";
import { gatewayServer, gatewayServerInfo, type GatewayScope, type HandlerContext } from "./gateway-server";
import { headersName, leanAnswer, leanCall, leanRequest, replay } from "./lean-path";
import { serveListen } from "./modern-listen";

/**
 * The 2026-07-28 leg of a gateway endpoint: stateless requests, each carrying its protocol
 * version and client capabilities in `_meta`, answered by the SDK's per-request handler over
 * the same method table as 2025-era sessions (gateway-server.ts). Nothing a replica holds in
 * memory is needed to answer one, except an open `subscriptions/listen` stream, which hears the
 * gateway's changes from any replica through the replica bus.
 */

/** What the gateway seals into the `requestState` a caller carries between rounds of a call. */
export interface SealedCallState {
  /** The exposed tool (or `prompt:<name>`) the state belongs to: a retry must name the same one. */
  tool: string;
  /** The upstream server's own requestState, passed back to it unchanged. */
  upstream?: string;
  /** The caller was asked to connect the tool's server (connect-by-url.ts). */
  connect?: true;
  /** A call parked while its 2025 server waits for the caller's answers (parked-calls.ts)... */
  parked?: string;
  /** ...on the replica at this sealed address (none with a single replica). */
  route?: string;
  /** The assignment whose server asked (a read is asked of servers in turn; the retry goes to this one). */
  server?: string;
}

type Carried = { scope: GatewayScope; gatewayId: string };

const carried = (c: HandlerContext): Carried | undefined => c.http?.authInfo?.extra?.gateway as Carried | undefined;

/**
 * Sealed (HMAC, ten minutes) and bound to the caller's token, the gateway and the method: a
 * state altered, older, or carried by another caller or to another gateway is refused (-32602).
 */
function codec(): RequestStateCodec<SealedCallState> {
  const held = processGlobal("gateway-request-state", () => ({
    secret: "",
    codec: undefined as RequestStateCodec<SealedCallState> | undefined,
  }));
  const secret = getAuthSecret();
  if (!held.codec || held.secret !== secret) {
    const key = createHmac("sha256", secret).update("gateway-request-state").digest();
    held.secret = secret;
    held.codec = createRequestStateCodec<SealedCallState>({
      key,
      ttlSeconds: 600,
      bind: (c) => {
        const at = carried(c);
        return `${at?.scope.tokenId ?? ""}\u0000${at?.gatewayId ?? ""}\u0000${c.mcpReq.method}`;
      },
    });
  }
  return held.codec;
}

export const sealCallState = (state: SealedCallState, c: HandlerContext) => codec().mint(state, c);

/**
 * The state a 2026-07-28 retry carries (verified by the SDK through the codec before any handler
 * runs), checked to belong to `what` (a tool's or prompt's exposed name): state made for another
 * one is refused.
 */
export function openedCallState(c: HandlerContext, what: string): SealedCallState | undefined {
  const state = c.mcpReq.requestState<SealedCallState>();
  if (state && state.tool !== what)
    throw new ProtocolError(-32602, "Invalid requestState: it belongs to another call.");
  return state;
}

/** An upstream's `input_required` goes to the caller with its state sealed (bound to caller, gateway, `what`). */
export async function sealInputRequired<R extends object>(
  result: R | InputRequiredResult,
  what: string,
  c: HandlerContext,
  also: Pick<SealedCallState, "server"> = {},
): Promise<R | InputRequiredResult> {
  if (!isInputRequiredResult(result)) return result;
  const upstream = typeof result.requestState === "string" ? result.requestState : undefined;
  return { ...result, requestState: await sealCallState({ tool: what, upstream, ...also }, c) };
}

/**
 * A gateway's handler, the handlers of its listen streams that have their own (modern-listen.ts),
 * and the assignments its latest request saw (whose servers' changes it hears).
 */
type Entry = {
  handler: McpHttpHandler;
  streams: Set<McpHttpHandler>;
  assignments: readonly { item: { id: string } }[];
};
type Registry = { handlers: Map<string, Entry> };

/** The handlers, one per gateway so that a listen stream hears only its own gateway's changes. */
const registry = () =>
  processGlobal("modern-handlers", (): Registry => {
    const state: Registry = { handlers: new Map() };
    getReplicaBus().subscribe((m) => {
      if (m.kind !== "gateways-changed" && m.kind !== "catalog-changed") return;
      for (const [gatewayId, entry] of state.handlers) {
        if (m.kind === "gateways-changed" && m.gatewayId && m.gatewayId !== gatewayId) continue;
        if (m.kind === "catalog-changed" && !entry.assignments.some((a) => a.item.id === m.itemId)) continue;
        for (const handler of [entry.handler, ...entry.streams]) {
          handler.notify.toolsChanged();
          handler.notify.promptsChanged();
          handler.notify.resourcesChanged();
        }
      }
    });
    return state;
  });

/** A handler of 2026-07-28 requests for one gateway (the request's scope rides in its authInfo). */
function newHandler(gatewayId: string): McpHttpHandler {
  return createMcpHandler(
    (c) => {
      const at = c.authInfo?.extra?.gateway as Carried;
      return gatewayServer(at.scope, { era: "modern", requestStateVerify: (state, hc) => codec().verify(state, hc) });
    },
    {
      legacy: "reject",
      bus: new InMemoryServerEventBus(),
      maxRequestBodySize: MAX_BODY_BYTES,
      onerror: (err) => getLogger().debug({ err: err.message, gatewayId }, "2026-07-28 request refused"),
    },
  );
}

function handlerFor(gatewayId: string): Entry {
  const handlers = registry().handlers;
  let entry = handlers.get(gatewayId);
  if (!entry) {
    entry = { handler: newHandler(gatewayId), streams: new Set(), assignments: [] };
    handlers.set(gatewayId, entry);
  }
  return entry;
}

/**
 * Serves one 2026-07-28 request (already authenticated, its body parsed) for the scope's gateway;
 * a `subscriptions/listen` stream as modern-listen.ts says.
 */
export async function serveModern(
  exchange: GatewayExchange,
  body: unknown,
  scope: GatewayScope,
  stillAllowed: () => Promise<boolean>,
  /** The SDK's rule classified the request as 2026-07-28 (rather than refusing it). */
  classified: boolean,
): Promise<GatewayAnswer> {
  const gatewayId = scope.ctx.gateway.id;
  const entry = handlerFor(gatewayId);
  entry.assignments = scope.assignments;
  // The token itself never travels further than this edge: the handler knows the caller by scope.
  const authOf = (scope: GatewayScope) => ({
    token: "",
    clientId: scope.tokenId,
    scopes: [],
    extra: { gateway: { scope, gatewayId } },
  });
  let authInfo = authOf(scope);
  // The common case on the lean path (lean-path.ts): a request the SDK's own rule classified.
  const lean = classified ? leanRequest(exchange.header, body, { modern: true }) : null;
  if (lean?.call) {
    const outcome = await leanCall(scope, lean.id, lean.call, { envelope: lean.call._meta, authInfo });
    const json = leanAnswer(lean.id, outcome, { serverInfo: gatewayServerInfo(scope.ctx.gateway) });
    if (json) return { status: 200, json, headers: { "Content-Type": "application/json" } };
    authInfo = authOf({ ...scope, callTool: replay(outcome) });
  }
  if ((body as { method?: unknown }).method !== "subscriptions/listen")
    return entry.handler.fetch(exchange.request(), { parsedBody: body, authInfo });
  const handlers = {
    gateway: entry.handler,
    own: () => {
      const handler = newHandler(gatewayId);
      entry.streams.add(handler);
      return {
        handler,
        close: () => {
          entry.streams.delete(handler);
          void handler.close().catch(() => {});
        },
      };
    },
  };
  // Resources are subscribed only for a request the SDK will serve: one its era rule classified,
  // with the revision's headers (the rest is the SDK's to refuse, before any upstream is asked).
  const subscribable = classified && headersName(exchange.header, "subscriptions/listen");
  return serveListen(exchange, body, scope, { stillAllowed, authInfo, handlers, subscribable });
}
