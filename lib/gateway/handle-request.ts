import {
  classifyInboundRequest,
  PROTOCOL_VERSION_META_KEY,
  ProtocolError,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "@modelcontextprotocol/server";
import { getDb } from "@/db";
import { getKeyring } from "@/lib/app-secrets";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { publicOrigin } from "@/lib/http/public-url";
import { getLogger } from "@/lib/log";
import { asCancellation, asReply } from "@/lib/mcp/relay/follow-up";
import { getOrchestrator } from "@/lib/orchestrator";
import { authenticateAtGateway } from "@/lib/oauth-server/gateway-token";
import { GATEWAY_SCOPE } from "@/lib/oauth-server/scope";
import { bearerToken } from "@/lib/tokens/token-format";
import { gatewayCaller } from "./caller";
import { gatewayUrl } from "./gateway-url";
import { type GatewayAnswer, type GatewayExchange, type JsonAnswer, jsonRpcError, MAX_BODY_BYTES } from "./exchange";
import { canUseGateway, findGateway } from "./gateway-access";
import type { GatewayScope } from "./gateway-server";
import { callerCache, gatewayCache } from "./hot-path-cache";
import { serveLegacy, serveSessionStream } from "./legacy-leg";
import { loadGateway } from "./load-gateway";
import { serveModern } from "./modern-leg";
import { stillMayUse } from "./held-streams";
import { originAllowed } from "./origin-check";
import { routeCancellation, routeReply } from "./relay-routing";
import { readSession } from "./session";
import { sessionEnded } from "./ended-sessions";
import { sessionSeen } from "./subscriptions";
import { toolCallRunner } from "./tool-call";
import { getAuthSecret } from "@/lib/app-secrets";

/** JSON-RPC error codes the edge answers with (the SDK's handlers answer the rest). */
const INVALID_REQUEST = -32600;
const PARSE_ERROR = -32700;
const INTERNAL_ERROR = -32603;

/** RFC 9728: where clients learn how to authenticate to this gateway. */
export function resourceMetadataUrl(origin: string, slug: string): string {
  return `${origin}/.well-known/oauth-protected-resource${new URL(gatewayUrl(origin, slug)).pathname}`;
}

async function readBody(exchange: GatewayExchange): Promise<{ body?: unknown; error?: JsonAnswer }> {
  const tooLarge = () => ({ error: jsonRpcError(413, INVALID_REQUEST, "Request body too large.") });
  if (Number(exchange.header("content-length") ?? 0) > MAX_BODY_BYTES) return tooLarge();
  const bytes = await exchange.body(MAX_BODY_BYTES);
  if (bytes.length > MAX_BODY_BYTES) return tooLarge();
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString());
  } catch {
    return { error: jsonRpcError(400, PARSE_ERROR, "Parse error: the body is not valid JSON.") };
  }
  if (Array.isArray(body))
    return {
      error: jsonRpcError(400, INVALID_REQUEST, "JSON-RPC batches are not supported: send one message per request."),
    };
  return { body };
}

/**
 * The HTTP edge of /api/mcp/<gateway>, the only gateway code that reads requests and writes
 * answers: it checks the origin and the token, finds the gateway, and hands the request to the
 * era it speaks: 2026-07-28 (stateless, `_meta` envelope: modern-leg.ts) or 2025 (sessions as
 * signed ids, the GET event stream: legacy-leg.ts). Both eras answer from one method table
 * (gateway-server.ts); any replica can serve any request.
 */
export async function handleGatewayRequest(exchange: GatewayExchange, slug: string): Promise<GatewayAnswer> {
  const origin = publicOrigin({ get: exchange.header });
  const env = getEnv();
  const policy = { publicUrl: env.ARCHESTRA_PUBLIC_URL, allowed: env.ARCHESTRA_GATEWAY_ALLOWED_ORIGINS };
  if (!originAllowed(exchange.header("origin"), origin, policy))
    return jsonRpcError(
      403,
      INVALID_REQUEST,
      "Origin not allowed: set ARCHESTRA_PUBLIC_URL to the address people use, or list this origin in ARCHESTRA_GATEWAY_ALLOWED_ORIGINS.",
    );
  // RFC 6750 and 9728: where to sign in, the scope to ask for, and (for a token refused) why.
  const unauthorized = (message: string, refused: boolean) =>
    jsonRpcError(401, INVALID_REQUEST, message, {
      "WWW-Authenticate": `Bearer ${refused ? 'error="invalid_token", ' : ""}resource_metadata="${resourceMetadataUrl(origin, slug)}", scope="${GATEWAY_SCOPE}"`,
    });
  const token = bearerToken(exchange.header("authorization"));
  if (!token)
    return unauthorized(
      "Sign in: connect with an MCP client that supports OAuth, or send a token from the Tokens page as Authorization: Bearer <token>.",
      false,
    );
  const db = getDb();
  // Warm requests are answered from caches without awaiting (each await costs a promise and a
  // turn of the microtask queue on every call); only what needs the database is awaited.
  const authenticate = () => authenticateAtGateway(db, getKeyring(), token, gatewayUrl(origin, slug));
  const authenticated = authenticate();
  const principal = authenticated instanceof Promise ? await authenticated : authenticated;
  if (!principal) return unauthorized("The token is unknown, revoked or expired.", true);

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
      return jsonRpcError(404, INVALID_REQUEST, "Gateway was not found.");
    const { gateway, tools, assignments, byName } = loaded;
    const tokenId = principal.token.id;

    // A 2025-era session: a signed id any replica reads back (session.ts).
    const sessionId = exchange.header("mcp-session-id");
    const session = sessionId ? readSession(getAuthSecret(), sessionId, tokenId, gateway.id) : null;
    if (sessionId) {
      const ended = session ? sessionEnded(db, sessionId) : true;
      if (!session || (ended instanceof Promise ? await ended : ended))
        return jsonRpcError(404, INVALID_REQUEST, "Session not found: initialize a new session.");
      sessionSeen(sessionId);
    }

    const scopeFor = async (callerEra: "legacy" | "modern") => ({
      ctx: {
        db,
        orchestrator: await getOrchestrator(),
        keyring: getKeyring(),
        gateway,
        caller,
        origin,
        timeoutMs: env.ARCHESTRA_GATEWAY_CALL_TIMEOUT_SECONDS * 1000,
        callerEra,
      },
      tools,
      byName,
      assignments,
      tokenId,
      sessionId: session ? sessionId : null,
      session,
    });

    // Held streams (a 2025 GET stream, a 2026-07-28 listen) end when this stops being true.
    const stillAllowed = () => stillMayUse(db, authenticate, gateway, session ? sessionId : null);
    if (exchange.method === "GET" || exchange.method === "DELETE")
      return await serveSessionStream(exchange, await scopeFor("legacy"), stillAllowed);
    if (exchange.method !== "POST")
      return jsonRpcError(405, INVALID_REQUEST, "Method not allowed: use POST (GET and DELETE for 2025 sessions).", {
        Allow: "GET, POST, DELETE",
      });

    const { body, error } = await readBody(exchange);
    if (error) return error;
    // Follow-ups to earlier requests: a reply to a request relayed from a server, a cancellation.
    const reply = asReply(body);
    if (reply)
      return (await routeReply(reply, tokenId))
        ? { status: 202 }
        : jsonRpcError(404, INVALID_REQUEST, "No request is waiting for this reply.");
    const cancellation = asCancellation(body);
    if (cancellation) {
      await routeCancellation(tokenId, cancellation.requestId, cancellation.reason);
      return { status: 202 };
    }

    // The SDK's own rule decides which era a request speaks, for every request that claims
    // 2026-07-28 at all (a protocol version no 2025 revision has, or the `_meta` envelope's);
    // one that claims nothing is a 2025 request, and skips the rule's schema checks.
    const version = exchange.header("mcp-protocol-version");
    const claimsModern =
      (version !== null && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) ||
      (body as { params?: { _meta?: Record<string, unknown> } } | null)?.params?._meta?.[PROTOCOL_VERSION_META_KEY] !==
        undefined;
    const era = claimsModern
      ? classifyInboundRequest({
          httpMethod: "POST",
          protocolVersionHeader: version ?? undefined,
          mcpMethodHeader: exchange.header("mcp-method") ?? undefined,
          mcpNameHeader: exchange.header("mcp-name") ?? undefined,
          body,
        })
      : { kind: "legacy" as const };
    if (era.kind !== "legacy") {
      const base = await scopeFor("modern");
      const scope: GatewayScope = { ...base, callTool: toolCallRunner(exchange, base, "modern") };
      return await serveModern(exchange, body, scope, stillAllowed, era.kind === "modern");
    }
    const base = await scopeFor("legacy");
    const scope: GatewayScope = { ...base, callTool: toolCallRunner(exchange, base, "legacy", session) };
    return await serveLegacy(exchange, body, scope, session);
  } catch (err) {
    if (err instanceof AppError && err.code === "not_found") return jsonRpcError(404, INVALID_REQUEST, err.message);
    if (err instanceof AppError) return jsonRpcError(err.status, INVALID_REQUEST, err.message);
    if (err instanceof ProtocolError) return jsonRpcError(400, err.code, err.message);
    // The client went away mid-answer: nobody is left to tell, and nothing went wrong here.
    if (exchange.signal.aborted) return { status: 499 };
    const id = crypto.randomUUID();
    getLogger().error({ err, errorId: id, gateway: slug }, "gateway request failed");
    return jsonRpcError(500, INTERNAL_ERROR, `Internal error (error id ${id}).`);
  }
}
