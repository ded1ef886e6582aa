import { SUPPORTED_PROTOCOL_VERSIONS, WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import { getAuthSecret } from "@/lib/app-secrets";
import { getEnv } from "@/lib/env";
import { changeStream } from "./change-stream";
import { markSessionEnded } from "./ended-sessions";
import { type GatewayAnswer, type GatewayExchange, type JsonAnswer, jsonRpcError, MAX_BODY_BYTES } from "./exchange";
import { type GatewayScope, gatewayServer, listedTools } from "./gateway-server";
import { tooManyStreamsMessage } from "./held-streams";
import { leanAnswer, leanCall, leanRequest, replay } from "./lean-path";
import { canBeAsked, declaredCapabilities, type GatewaySession, issueSession } from "./session";
import { endSession } from "./subscriptions";

/**
 * The 2025-era leg of a gateway endpoint (2025-06-18 and 2025-11-25 clients): `initialize`
 * opens a session whose id is a signed note any replica reads back (session.ts); GET opens the
 * session's event stream of changes; DELETE ends it. Requests are answered by the same method
 * table as 2026-07-28 ones (gateway-server.ts), over the SDK's streamable HTTP transport.
 */

/** Answers must reach the client as they are made: no buffering or transformation on the way. */
const NO_TRANSFORM = { "Cache-Control": "no-cache, no-transform" };
const INVALID_REQUEST = -32600;

/** The requests during which a server may ask its client something. */
const ASKS_CALLER = new Set(["tools/call", "prompts/get", "resources/read"]);

/**
 * True when the answer may be preceded by messages to the client, which need an event stream:
 * progress the client asked for, a tool call whose server may ask the client something
 * (sampling, elicitation, roots) when the client can answer, or may be able to (no session); the
 * same for a prompt or a read.
 */
function wantsEvents(body: unknown, session: GatewaySession | null): boolean {
  const message = body as { method?: string; params?: { _meta?: { progressToken?: unknown } } } | undefined;
  if (message?.params?._meta?.progressToken !== undefined) return true;
  if (!message?.method || !ASKS_CALLER.has(message.method)) return false;
  return !session || canBeAsked(session);
}

/**
 * The 2025 revisions answer an unknown resource with -32002; the SDK sends 2026-07-28's -32602
 * in every era. Both carry only `data.uri`, which is how the SDK itself tells the two apart.
 */
function withLegacyErrorCode<M>(message: M): M {
  const error = (message as { error?: { code: number; data?: unknown } }).error;
  const data = error?.data as Record<string, unknown> | undefined;
  if (error?.code !== -32602 || typeof data?.uri !== "string" || Object.keys(data).length !== 1) return message;
  return { ...message, error: { ...error, code: -32002 } };
}

/** A 2025-era request naming a protocol version this leg does not speak is refused (400). */
function unsupportedVersion(exchange: GatewayExchange): JsonAnswer | null {
  const version = exchange.header("mcp-protocol-version");
  if (!version || SUPPORTED_PROTOCOL_VERSIONS.includes(version)) return null;
  return jsonRpcError(
    400,
    INVALID_REQUEST,
    `Unsupported MCP-Protocol-Version: ${version.slice(0, 40)} (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")}, and 2026-07-28 with its _meta envelope).`,
  );
}

/** GET (the session's event stream of changes) and DELETE (ending the session). */
export async function serveSessionStream(
  exchange: GatewayExchange,
  scope: Omit<GatewayScope, "callTool">,
  stillAllowed: () => Promise<boolean>,
): Promise<GatewayAnswer> {
  const { ctx, sessionId, tokenId } = scope;
  const { db, gateway } = ctx;
  const refused = unsupportedVersion(exchange);
  if (refused) return refused;
  // Ending a session: every replica answers it 404 from now on, and its resource subscriptions
  // end wherever they are held.
  if (exchange.method === "DELETE") {
    if (!sessionId) return { status: 405 };
    await markSessionEnded(db, sessionId);
    await endSession(sessionId);
    return { status: 200 };
  }
  if (!exchange.header("accept")?.includes("text/event-stream"))
    return jsonRpcError(406, INVALID_REQUEST, "Accept text/event-stream to open the event stream.");
  const max = getEnv().ARCHESTRA_GATEWAY_MAX_STREAMS_PER_TOKEN;
  const stream = changeStream({
    tokenId,
    gatewayId: gateway.id,
    itemIds: new Set(scope.assignments.map((a) => a.item.id)),
    session: sessionId,
    signal: exchange.signal,
    stillAllowed,
    maxPerToken: max,
  });
  return stream ?? jsonRpcError(429, INVALID_REQUEST, tooManyStreamsMessage(max), { "Retry-After": "10" });
}

/** A POSTed 2025-era request (its body parsed). */
export async function serveLegacy(
  exchange: GatewayExchange,
  body: unknown,
  given: GatewayScope,
  session: GatewaySession | null,
): Promise<GatewayAnswer> {
  const refused = unsupportedVersion(exchange);
  if (refused) return refused;
  let scope = given;
  // The common case on the lean path (lean-path.ts): same handlers, without the SDK's framing.
  const lean = leanRequest(exchange.header, body, { modern: false, session });
  if (lean?.method === "tools/list")
    return {
      status: 200,
      json: { jsonrpc: "2.0", id: lean.id, result: { tools: listedTools(scope.tools) } },
      headers: NO_TRANSFORM,
    };
  if (lean?.call) {
    const outcome = await leanCall(scope, lean.id, lean.call, {});
    const json = leanAnswer(lean.id, outcome, null);
    if (json) return { status: 200, json, headers: NO_TRANSFORM };
    scope = { ...scope, callTool: replay(outcome) };
  }

  const server = gatewayServer(scope, { era: "legacy" });
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    maxRequestBodySize: MAX_BODY_BYTES,
    // A stream only when the answer may be preceded by messages for the client; a plain JSON
    // answer otherwise is cheaper for both sides.
    enableJsonResponse: !wantsEvents(body, session),
  });
  const send = transport.send.bind(transport);
  transport.send = (message, options) => send(withLegacyErrorCode(message), options);
  await server.connect(transport);
  const response = await transport.handleRequest(exchange.request(), { parsedBody: body });
  response.headers.set("Cache-Control", NO_TRANSFORM["Cache-Control"]);
  const message = body as { method?: string; params?: { capabilities?: unknown } } | undefined;
  if (message?.method === "initialize" && response.ok) {
    response.headers.set(
      "Mcp-Session-Id",
      issueSession(getAuthSecret(), {
        tokenId: scope.tokenId,
        gatewayId: scope.ctx.gateway.id,
        can: declaredCapabilities(message.params?.capabilities),
      }),
    );
  }
  response.headers.set("X-Accel-Buffering", "no");
  return response;
}
