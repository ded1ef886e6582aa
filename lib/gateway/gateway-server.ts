import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  type CallToolResult,
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
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
import { unsubscribe } from "./subscriptions";

type CallParams = { name: string; arguments?: Record<string, unknown>; _meta?: { progressToken?: string | number } };
type CallExtra = { requestId: string | number; signal: AbortSignal };
type HandlerExtra = { requestInfo?: { headers?: Record<string, string | string[] | undefined> } };

/** The revision a request was sent in, which decides how some errors are answered. */
const protocolVersionOf = (extra: HandlerExtra) => {
  const v = extra.requestInfo?.headers?.["mcp-protocol-version"];
  return typeof v === "string" ? v : undefined;
};

/** The tools a gateway lists, under their exposed names. */
export const listedTools = (tools: ExposedTool[]) => tools.map((t) => ({ ...t.definition, name: t.name }));

/**
 * The MCP server one request to a gateway is answered by: its tools (calls go to `callTool`),
 * and the prompts, resources, templates, completions and subscriptions of its servers.
 */
export function gatewayServer(options: {
  ctx: CallToolContext;
  tools: ExposedTool[];
  assignments: LoadedAssignment[];
  sessionId: string | null;
  /** The caller's token: its sessions' subscriptions are counted together. */
  tokenId: string;
  callTool(params: CallParams, extra: CallExtra): Promise<CallToolResult>;
}): Server {
  const { ctx, tools, assignments, sessionId } = options;
  const server = new Server(
    { name: `mcp-orchestrator/${ctx.gateway.slug}`, version: "0.1.0" },
    {
      capabilities: {
        tools: { listChanged: true },
        prompts: { listChanged: true },
        resources: { listChanged: true, subscribe: true },
        logging: {},
        completions: {},
      },
      jsonSchemaValidator: sharedValidator(),
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: listedTools(tools) as never }));
  server.setRequestHandler(CallToolRequestSchema, (req, extra) => options.callTool(req.params, extra));
  server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: await listPrompts(ctx, assignments) }));
  server.setRequestHandler(GetPromptRequestSchema, async (req) =>
    getPrompt(ctx, assignments, req.params.name, req.params.arguments),
  );
  server.setRequestHandler(ListResourcesRequestSchema, async () => ({
    resources: await listResources(ctx, assignments),
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (req, extra) =>
    readResource(ctx, assignments, { uri: req.params.uri, protocolVersion: protocolVersionOf(extra) }),
  );
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: await listResourceTemplates(ctx, assignments),
  }));
  server.setRequestHandler(CompleteRequestSchema, async (req, extra) =>
    complete(ctx, assignments, req.params, protocolVersionOf(extra)),
  );
  // Updates go to the session's event stream (GET), so subscribing needs a session.
  const sessionFor = (what: string) => {
    if (!sessionId) throw new McpError(ErrorCode.InvalidRequest, `${what} needs a session: initialize first.`);
    return sessionId;
  };
  server.setRequestHandler(SubscribeRequestSchema, async (req, extra) => {
    const session = sessionFor("Subscribing");
    await subscribeResource(
      ctx,
      assignments,
      { session, tokenId: options.tokenId },
      {
        uri: req.params.uri,
        protocolVersion: protocolVersionOf(extra),
      },
    );
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, async (req) => {
    await unsubscribe(sessionFor("Unsubscribing"), req.params.uri);
    return {};
  });
  return server;
}
