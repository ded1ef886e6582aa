import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import {
  CallToolRequestSchema,
  CallToolResultSchema,
  ListToolsRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { getAuthSecret } from "@/lib/app-secrets";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { sharedValidator } from "@/lib/mcp/shared-validator";
import { getOrchestrator } from ".";
import { verifyReplicaProof } from "./stream-lease";

/**
 * A call another replica forwards because this replica owns the instance's attach stream:
 * served over MCP (stateless), through this replica's one connection to the pod.
 */
export async function handleForwardedRequest(request: Request, instanceId: string): Promise<Response> {
  if (!verifyReplicaProof(getAuthSecret(), instanceId, request.headers.get("x-replica-proof"))) {
    return Response.json({ error: "not a replica of this deployment" }, { status: 403 });
  }
  const orchestrator = await getOrchestrator();
  const local = () => orchestrator.client(instanceId, { local: true });
  const server = new Server(
    { name: "mcp-orchestrator-replica", version: "0.1.0" },
    { capabilities: { tools: {} }, jsonSchemaValidator: sharedValidator() },
  );
  server.setRequestHandler(ListToolsRequestSchema, async (req) => (await local()).listTools(req.params));
  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const progressToken = extra._meta?.progressToken;
    return (await local()).request({ method: "tools/call", params: req.params }, CallToolResultSchema, {
      signal: extra.signal,
      timeout: getEnv().ARCHESTRA_GATEWAY_CALL_TIMEOUT_SECONDS * 1000,
      resetTimeoutOnProgress: true,
      onprogress:
        progressToken === undefined
          ? undefined
          : (p) =>
              void extra
                .sendNotification({ method: "notifications/progress", params: { ...p, progressToken } })
                .catch(() => {}),
    });
  });
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  await server.connect(transport);
  try {
    return await transport.handleRequest(request);
  } catch (err) {
    if (err instanceof AppError) return Response.json({ error: err.message }, { status: err.status });
    throw err;
  }
}
