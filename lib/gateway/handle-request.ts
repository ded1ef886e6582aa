import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { ErrorCode, McpError, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
import { getDb } from "@/db";
import { getAuthSecret, getKeyring } from "@/lib/app-secrets";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { publicOrigin } from "@/lib/http/public-url";
import { getLogger } from "@/lib/log";
import { getOrchestrator } from "@/lib/orchestrator";
import { cancellableCall } from "@/lib/mcp/relay/cancellation";
import { asCancellation, asReply } from "@/lib/mcp/relay/follow-up";
import { type EventStream, streamChannel } from "@/lib/mcp/relay/stream-channel";
import { authenticateToken } from "@/lib/tokens/authenticate-token";
import { bearerToken } from "@/lib/tokens/token-format";
import { callGatewayTool } from "./call-tool";
import { changeStream } from "./change-stream";
import { markSessionEnded, sessionEnded } from "./ended-sessions";
import { fastPathMessage, toolCallParams } from "./fast-path";
import { gatewayServer, listedTools } from "./gateway-server";
import { canBeAsked, declaredCapabilities, type GatewaySession, issueSession, readSession } from "./session";
import { endSession, sessionSeen } from "./subscriptions";
import { gatewayCaller } from "./caller";
import { canUseGateway, findGateway } from "./gateway-access";
import { callerCache, gatewayCache } from "./hot-path-cache";
import { loadGateway } from "./load-gateway";
import { originAllowed } from "./origin-check";
import { listenForCancellations, replicaRoute, routeCancellation, routeReply } from "./relay-routing";
import type { GatewayAnswer, GatewayExchange, JsonAnswer } from "./exchange";

export const MAX_BODY_BYTES = 1024 * 1024;

/** Where a JSON answer's in-between messages go: nowhere (the session said none are wanted). */
const DROPPED: EventStream = { send: async () => {} };

const jsonRpcError = (status: number, code: number, message: string, headers?: Record<string, string>): JsonAnswer => ({
  status,
  json: { jsonrpc: "2.0", error: { code, message }, id: null },
  headers,
});

/** Answers must reach the client as they are made: no buffering or transformation on the way. */
const NO_TRANSFORM = { "Cache-Control": "no-cache, no-transform" };

/** RFC 9728: where clients learn how to authenticate to this gateway. */
export function resourceMetadataUrl(origin: string, slug: string): string {
  return `${origin}/.well-known/oauth-protected-resource/api/mcp/${encodeURIComponent(slug)}`;
}

async function readBody(exchange: GatewayExchange): Promise<{ body?: unknown; error?: JsonAnswer }> {
  if (exchange.method !== "POST") return {};
  const tooLarge = () => ({ error: jsonRpcError(413, ErrorCode.InvalidRequest, "Request body too large.") });
  if (Number(exchange.header("content-length") ?? 0) > MAX_BODY_BYTES) return tooLarge();
  const bytes = await exchange.body(MAX_BODY_BYTES);
  if (bytes.length > MAX_BODY_BYTES) return tooLarge();
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString());
  } catch {
    return { error: jsonRpcError(400, ErrorCode.ParseError, "Parse error: the body is not valid JSON.") };
  }
  if (Array.isArray(body)) {
    return {
      error: jsonRpcError(
        400,
        ErrorCode.InvalidRequest,
        "JSON-RPC batches are not supported: send one message per request.",
      ),
    };
  }
  return { body };
}

/**
 * True when the answer may be preceded by messages to the client, which need an event stream:
 * progress the client asked for, or a tool call whose server may ask the client something
 * (sampling, elicitation, roots) when the client can answer, or may be able to (no session).
 */
function wantsEvents(body: unknown, session: GatewaySession | null): boolean {
  const message = body as { method?: string; params?: { _meta?: { progressToken?: unknown } } } | undefined;
  if (message?.params?._meta?.progressToken !== undefined) return true;
  if (message?.method !== "tools/call") return false;
  return !session || canBeAsked(session);
}

/**
 * One HTTP request to /api/mcp/<gateway>, MCP streamable HTTP in stateless mode: every
 * request is authenticated and served on its own, so any replica can serve any request.
 */
export async function handleGatewayRequest(exchange: GatewayExchange, slug: string): Promise<GatewayAnswer> {
  const origin = publicOrigin({ get: exchange.header });
  const env = getEnv();
  const policy = { publicUrl: env.ARCHESTRA_PUBLIC_URL, allowed: env.ARCHESTRA_GATEWAY_ALLOWED_ORIGINS };
  if (!originAllowed(exchange.header("origin"), origin, policy))
    return jsonRpcError(
      403,
      ErrorCode.InvalidRequest,
      "Origin not allowed: set ARCHESTRA_PUBLIC_URL to the address people use, or list this origin in ARCHESTRA_GATEWAY_ALLOWED_ORIGINS.",
    );
  const version = exchange.header("mcp-protocol-version");
  if (version && !SUPPORTED_PROTOCOL_VERSIONS.includes(version))
    return jsonRpcError(
      400,
      ErrorCode.InvalidRequest,
      `Unsupported MCP-Protocol-Version: ${version.slice(0, 40)} (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")}).`,
    );
  const unauthorized = (message: string) =>
    jsonRpcError(401, ErrorCode.InvalidRequest, message, {
      "WWW-Authenticate": `Bearer resource_metadata="${resourceMetadataUrl(origin, slug)}"`,
    });
  const token = bearerToken(exchange.header("authorization"));
  if (!token) return unauthorized("Send a token: Authorization: Bearer <token>.");
  const db = getDb();
  // Warm requests are answered from caches without awaiting (each await costs a promise and a
  // turn of the microtask queue on every call); only what needs the database is awaited.
  const authenticated = authenticateToken(db, token);
  const principal = authenticated instanceof Promise ? await authenticated : authenticated;
  if (!principal) return unauthorized("The token is unknown, revoked or expired.");

  try {
    const knownCaller = callerCache().read(principal.token.id, () => gatewayCaller(db, principal));
    const caller = knownCaller instanceof Promise ? await knownCaller : knownCaller;
    const knownGateway = gatewayCache().read(slug, async () => {
      const found = await findGateway(db, slug);
      if (!found) return null;
      const { tools, assignments } = await loadGateway(db, found);
      return { gateway: found, tools, assignments, byName: new Map(tools.map((t) => [t.name, t])) };
    });
    const loaded = knownGateway instanceof Promise ? await knownGateway : knownGateway;
    // Gateways the caller may not use are "not found", so their names do not leak.
    if (!loaded || !canUseGateway(caller.viewer, loaded.gateway))
      return jsonRpcError(404, ErrorCode.InvalidRequest, "Gateway was not found.");
    const { gateway, tools, assignments, byName } = loaded;
    const sessionId = exchange.header("mcp-session-id");
    const session = sessionId ? readSession(getAuthSecret(), sessionId, principal.token.id, gateway.id) : null;
    const sessionGone = () =>
      jsonRpcError(404, ErrorCode.InvalidRequest, "Session not found: initialize a new session.");
    if (sessionId && !session) return sessionGone();
    if (sessionId) {
      const ended = sessionEnded(db, sessionId);
      if (ended instanceof Promise ? await ended : ended) return sessionGone();
      sessionSeen(sessionId);
    }
    // Ending a session: every replica answers it 404 from now on, and its resource subscriptions
    // end wherever they are held.
    if (exchange.method === "DELETE") {
      if (!sessionId || !session) return { status: 405 };
      await markSessionEnded(db, sessionId);
      await endSession(sessionId);
      return { status: 200 };
    }
    if (exchange.method === "GET") {
      if (!exchange.header("accept")?.includes("text/event-stream"))
        return jsonRpcError(406, ErrorCode.InvalidRequest, "Accept text/event-stream to open the event stream.");
      const stillAllowed = async () => {
        if (sessionId && (await sessionEnded(db, sessionId))) return false;
        const now = await authenticateToken(db, token);
        if (!now) return false;
        const viewer = await callerCache().read(now.token.id, () => gatewayCaller(db, now));
        return canUseGateway(viewer.viewer, gateway);
      };
      const stream = changeStream({
        tokenId: principal.token.id,
        gatewayId: gateway.id,
        itemIds: new Set(assignments.map((a) => a.item.id)),
        session: session ? sessionId : null,
        signal: exchange.signal,
        stillAllowed,
        maxPerToken: env.ARCHESTRA_GATEWAY_MAX_STREAMS_PER_TOKEN,
      });
      return (
        stream ??
        jsonRpcError(
          429,
          ErrorCode.InvalidRequest,
          `Too many event streams: this token already holds ${env.ARCHESTRA_GATEWAY_MAX_STREAMS_PER_TOKEN} open (ARCHESTRA_GATEWAY_MAX_STREAMS_PER_TOKEN). Close one (end unused sessions) and try again.`,
          { "Retry-After": "10" },
        )
      );
    }
    const { body, error } = await readBody(exchange);
    if (error) return error;
    // Follow-ups to earlier requests: a reply to a request relayed from a server, a cancellation.
    const reply = asReply(body);
    if (reply) {
      return (await routeReply(reply, principal.token.id))
        ? { status: 202 }
        : jsonRpcError(404, ErrorCode.InvalidRequest, "No request is waiting for this reply.");
    }
    const cancellation = asCancellation(body);
    if (cancellation) {
      await routeCancellation(principal.token.id, cancellation.requestId, cancellation.reason);
      return { status: 202 };
    }
    const orchestrator = await getOrchestrator();
    const ctx = {
      db,
      orchestrator,
      keyring: getKeyring(),
      gateway,
      caller,
      origin,
      timeoutMs: env.ARCHESTRA_GATEWAY_CALL_TIMEOUT_SECONDS * 1000,
    };
    /** A tools/call, cancellable by the caller, with a channel back on `stream` for what the server asks. */
    const runToolCall = async (
      params: { name: string; arguments?: Record<string, unknown>; _meta?: { progressToken?: string | number } },
      extra: { requestId: string | number; signal?: AbortSignal; sendNotification?: unknown },
      stream: EventStream,
    ) => {
      const tool = byName.get(params.name);
      if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${params.name}`);
      listenForCancellations();
      const call = cancellableCall(principal.token.id, extra.requestId, extra.signal ? [extra.signal] : []);
      const stopWatching = exchange.whenGone(call.cancel);
      const channel = streamChannel({
        stream,
        relatedRequestId: extra.requestId,
        principal: principal.token.id,
        timeoutMs: ctx.timeoutMs,
        route: replicaRoute(),
        can: session?.can,
      });
      try {
        return await callGatewayTool(
          ctx,
          tool,
          params.arguments,
          { ...extra, _meta: params._meta, signal: call.signal } as never,
          channel,
        );
      } finally {
        stopWatching();
        call.done();
      }
    };

    // The common case answered without the SDK's per-request server: a plain JSON tools/list or
    // tools/call from a session that cannot be asked anything.
    const fast = fastPathMessage(exchange.header, body, session);
    if (fast) {
      const answer = (payload: object): JsonAnswer => ({
        status: 200,
        json: { jsonrpc: "2.0", id: fast.id, ...payload },
        headers: NO_TRANSFORM,
      });
      if (fast.method === "tools/list") return answer({ result: { tools: listedTools(tools) } });
      const params = toolCallParams(body);
      if (typeof params === "string")
        return answer({ error: { code: ErrorCode.InvalidParams, message: `Invalid tools/call: ${params}` } });
      try {
        const result = await runToolCall(params, { requestId: fast.id }, DROPPED);
        return answer({ result });
      } catch (err) {
        if (err instanceof McpError) return answer({ error: { code: err.code, message: err.message } });
        throw err;
      }
    }

    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      maxRequestBodySize: MAX_BODY_BYTES,
      // A stream only when the answer may be preceded by messages for the client; a plain JSON
      // answer otherwise is cheaper for both sides.
      enableJsonResponse: !wantsEvents(body, session),
    });
    const server = gatewayServer({
      ctx,
      tools,
      assignments,
      sessionId: session ? sessionId : null,
      tokenId: principal.token.id,
      callTool: (params, extra) => runToolCall(params, extra, transport),
    });
    await server.connect(transport);
    const response = await transport.handleRequest(
      exchange.request(),
      body === undefined ? undefined : { parsedBody: body },
    );
    response.headers.set("Cache-Control", NO_TRANSFORM["Cache-Control"]);
    const message = body as { method?: string; params?: { capabilities?: unknown } } | undefined;
    if (message?.method === "initialize" && response.ok) {
      response.headers.set(
        "Mcp-Session-Id",
        issueSession(getAuthSecret(), {
          tokenId: principal.token.id,
          gatewayId: gateway.id,
          can: declaredCapabilities(message.params?.capabilities),
        }),
      );
    }
    response.headers.set("X-Accel-Buffering", "no");
    return response;
  } catch (err) {
    if (err instanceof AppError && err.code === "not_found")
      return jsonRpcError(404, ErrorCode.InvalidRequest, err.message);
    if (err instanceof AppError) return jsonRpcError(err.status, ErrorCode.InvalidRequest, err.message);
    const id = crypto.randomUUID();
    getLogger().error({ err, errorId: id, gateway: slug }, "gateway request failed");
    return jsonRpcError(500, ErrorCode.InternalError, `Internal error (error id ${id}).`);
  }
}
