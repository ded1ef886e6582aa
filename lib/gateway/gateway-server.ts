import {
  CLIENT_CAPABILITIES_META_KEY,
  type CallToolResult,
  type ClientCapabilities,
  type InputRequiredResult,
  PROTOCOL_VERSION_META_KEY,
  ProtocolError,
  Server,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { relayPrincipal } from "@/lib/mcp/relay/route-rule";
import { sharedValidator } from "@/lib/mcp/shared-validator";
import type { CallToolContext } from "./call-tool";
import type { ExposedTool, LoadedAssignment } from "./load-gateway";
import {
  complete,
  getPrompt,
  listPrompts,
  listResources,
  listResourceTemplates,
  readResource,
  subscribeResource,
} from "./prompts-resources";
import { openedCallState, type SealedCallState, sealInputRequired } from "./modern-leg";
import { canBeAsked, type GatewaySession } from "./session";
import { unsubscribe } from "./subscriptions";
import type { AskedAs } from "./whole-definitions";
import { sessionChannel } from "./tool-call";

/** A tools/call as the gateway's relay takes it, whichever era the caller speaks. */
export interface ToolCall {
  name: string;
  arguments?: Record<string, unknown>;
  _meta?: { progressToken?: string | number };
  requestId: string | number;
  signal: AbortSignal;
}

/** One request's view of its gateway: what it offers, and how a call reaches its upstream. */
export interface GatewayScope {
  ctx: CallToolContext;
  tools: ExposedTool[];
  byName: ReadonlyMap<string, ExposedTool>;
  assignments: LoadedAssignment[];
  /** The 2025-era session the request belongs to, if any (subscriptions need one), and what it said its client can answer. */
  sessionId: string | null;
  session?: GatewaySession | null;
  /** The caller's token: its sessions' subscriptions are counted together. */
  tokenId: string;
  /**
   * Runs a tools/call for this request. `server` is the instance answering it (its transport
   * carries what the upstream asks a 2025-era caller); the 2026-07-28 handler state arrives in
   * `handlerContext`.
   */
  callTool(
    call: ToolCall,
    server: Server | undefined,
    handlerContext: HandlerContext,
  ): Promise<CallToolResult | InputRequiredResult>;
}

export type HandlerContext = ServerContext;

/** The tools a gateway lists, under their exposed names. */
export const listedTools = (tools: ExposedTool[]) => tools.map((t) => ({ ...t.definition, name: t.name }));

/** What a gateway offers in both eras (2026-07-28 subscribes to resources on a listen stream). */
export const GATEWAY_CAPABILITIES = {
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { listChanged: true, subscribe: true },
  completions: {},
};

/** Who the gateway says it is, to clients of either era. */
export const gatewayServerInfo = (gateway: { slug: string }) => ({
  name: `mcp-orchestrator/${gateway.slug}`,
  version: "0.1.0",
});

/**
 * The one table of MCP methods a gateway answers, for both eras: the SDK's server serves it to
 * 2025-era sessions and 2026-07-28 stateless requests alike (version negotiation, `_meta`
 * envelopes, `server/discover`, `resultType` and cache fields are the SDK's).
 */
export function gatewayServer(
  scope: GatewayScope,
  options: { era: "legacy" | "modern"; requestStateVerify?: RequestStateVerify },
): Server {
  const { ctx, tools, assignments, sessionId } = scope;
  // 2025-era sessions also get log messages (2026-07-28 has none).
  const capabilities = options.era === "legacy" ? { ...GATEWAY_CAPABILITIES, logging: {} } : GATEWAY_CAPABILITIES;
  const server = new Server(gatewayServerInfo(ctx.gateway), {
    capabilities,
    jsonSchemaValidator: sharedValidator(),
    requestState: options.requestStateVerify ? { verify: options.requestStateVerify } : undefined,
    // The gateway's lists change only when its assignments are saved or a server is discovered
    // again, and every such change is announced (list_changed on subscriptions/listen and the
    // 2025 event stream). What a caller sees depends on their credentials: private to them.
    cacheHints: {
      "tools/list": { ttlMs: LIST_TTL_MS, cacheScope: "private" },
      "prompts/list": { ttlMs: LIST_TTL_MS, cacheScope: "private" },
      "resources/list": { ttlMs: LIST_TTL_MS, cacheScope: "private" },
      "resources/templates/list": { ttlMs: LIST_TTL_MS, cacheScope: "private" },
    },
  });
  server.setRequestHandler("tools/list", async () => ({ tools: listedTools(tools) as never }));
  server.setRequestHandler("tools/call", (req, c) =>
    scope.callTool(
      {
        name: req.params.name,
        arguments: req.params.arguments,
        _meta: c.mcpReq._meta as ToolCall["_meta"],
        requestId: c.mcpReq.id,
        signal: c.mcpReq.signal,
      },
      server,
      c,
    ),
  );
  server.setRequestHandler("prompts/list", async () => ({ prompts: await listPrompts(ctx, assignments) }) as never);
  /**
   * How a prompt or a read is asked for this request's caller: a 2025 caller who can answer (or
   * may: no session) is asked what the server asks, on this request's stream; a 2026-07-28 caller
   * gets the server's `input_required` back (sealed by the caller), and its retry's answers and
   * the server's state go to the server.
   */
  const askedAs = (c: HandlerContext, state: SealedCallState | undefined): AskedAs => {
    if (options.era === "legacy") {
      const session = scope.session;
      if (session && !canBeAsked(session)) return {};
      const channel = sessionChannel(scope, server, c.mcpReq.id, session?.can);
      const relay = {
        channel,
        principal: relayPrincipal(ctx.caller),
        signal: c.mcpReq.signal,
        timeoutMs: ctx.timeoutMs,
      };
      return { relay };
    }
    const envelope = (c.mcpReq.envelope ?? {}) as Record<string, unknown>;
    const passThrough = {
      inputResponses: c.mcpReq.inputResponses,
      requestState: state?.upstream,
      capabilities: envelope[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined,
    };
    return { passThrough };
  };
  server.setRequestHandler("prompts/get", async (req, c) => {
    const { name, arguments: args } = req.params;
    const what = `prompt:${name}`;
    const state = options.era === "modern" ? openedCallState(c, what) : undefined;
    const result = await getPrompt(ctx, assignments, name, args, askedAs(c, state));
    return (options.era === "modern" ? await sealInputRequired(result, what, c) : result) as never;
  });
  server.setRequestHandler(
    "resources/list",
    async () => ({ resources: await listResources(ctx, assignments) }) as never,
  );
  // The revision a request was sent in decides how some errors are answered (resource not found).
  const versionOf = (c: HandlerContext) =>
    options.era === "modern"
      ? String((c.mcpReq.envelope as Record<string, unknown> | undefined)?.[PROTOCOL_VERSION_META_KEY] ?? "")
      : (c.http?.req?.headers.get("mcp-protocol-version") ?? undefined);
  server.setRequestHandler("resources/read", async (req, c) => {
    const ref = { uri: req.params.uri, protocolVersion: versionOf(c) };
    if (options.era === "legacy") return (await readResource(ctx, assignments, ref, askedAs(c, undefined))) as never;
    // A retry goes to the server that asked, and no other (its state is sealed with the rest).
    const what = `resource:${ref.uri}`;
    const state = openedCallState(c, what);
    let answeredBy: string | undefined;
    const result = await readResource(ctx, assignments, ref, askedAs(c, state), {
      only: state ? (state.server ?? "") : undefined,
      answeredBy: (id) => {
        answeredBy = id;
      },
    });
    return (await sealInputRequired(result, what, c, { server: answeredBy })) as never;
  });
  server.setRequestHandler(
    "resources/templates/list",
    async () => ({ resourceTemplates: await listResourceTemplates(ctx, assignments) }) as never,
  );
  server.setRequestHandler(
    "completion/complete",
    async (req) => (await complete(ctx, assignments, req.params)) as never,
  );
  // Updates go to the session's event stream (GET), so subscribing needs a session.
  const sessionFor = (what: string) => {
    if (!sessionId) throw new ProtocolError(-32600, `${what} needs a session: initialize first.`);
    return sessionId;
  };
  server.setRequestHandler("resources/subscribe", async (req, c) => {
    const session = sessionFor("Subscribing");
    await subscribeResource(
      ctx,
      assignments,
      { session, tokenId: scope.tokenId },
      { uri: req.params.uri, protocolVersion: versionOf(c) },
    );
    return {};
  });
  server.setRequestHandler("resources/unsubscribe", async (req) => {
    await unsubscribe(sessionFor("Unsubscribing"), req.params.uri);
    return {};
  });
  return server;
}

export type RequestStateVerify = (state: string, ctx: HandlerContext) => unknown | Promise<unknown>;

/** How long a client may keep a gateway's list results without asking again. */
export const LIST_TTL_MS = 60_000;
