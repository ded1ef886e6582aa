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
import { cancelCall, cancellableCall } from "@/lib/mcp/relay/cancellation";
import { asCancellation, asReply } from "@/lib/mcp/relay/follow-up";
import { trackCall } from "@/lib/mcp/relay/inflight";
import { deliverReply } from "@/lib/mcp/relay/pending-replies";
import { streamChannel } from "@/lib/mcp/relay/stream-channel";
import { sharedValidator } from "@/lib/mcp/shared-validator";
import { getOrchestrator } from ".";
import { verifyReplicaProof } from "./stream-lease";

/**
 * A call another replica forwards because this replica owns the instance's attach stream:
 * served over MCP (stateless), through this replica's one connection to the pod. What the
 * server asks during the call goes back to the forwarding replica, which relays it on.
 */
export async function handleForwardedRequest(request: Request, instanceId: string): Promise<Response> {
  if (!verifyReplicaProof(getAuthSecret(), instanceId, request.headers.get("x-replica-proof"))) {
    return Response.json({ error: "not a replica of this deployment" }, { status: 403 });
  }
  // Every call from one replica has one principal here; that replica tells its callers apart.
  const principal = `replica:${request.headers.get("x-replica-origin") ?? ""}`;
  const body = request.method === "POST" ? await request.json().catch(() => undefined) : undefined;
  const reply = asReply(body);
  if (reply) return new Response(null, { status: deliverReply(reply, principal) === "delivered" ? 202 : 404 });
  const cancellation = asCancellation(body);
  if (cancellation) {
    cancelCall(principal, cancellation.requestId, cancellation.reason);
    return new Response(null, { status: 202 });
  }

  const orchestrator = await getOrchestrator();
  const local = () => orchestrator.client(instanceId, { local: true });
  const timeoutMs = getEnv().ARCHESTRA_GATEWAY_CALL_TIMEOUT_SECONDS * 1000;
  const server = new Server(
    { name: "mcp-orchestrator-replica", version: "0.1.0" },
    { capabilities: { tools: {} }, jsonSchemaValidator: sharedValidator() },
  );
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  server.setRequestHandler(ListToolsRequestSchema, async (req) => (await local()).listTools(req.params));
  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const progressToken = extra._meta?.progressToken;
    const client = await local();
    const call = cancellableCall(principal, extra.requestId, [extra.signal]);
    const channel = streamChannel({ stream: transport, relatedRequestId: extra.requestId, principal, timeoutMs });
    const untrack = trackCall(client, channel);
    try {
      const result = await client.request({ method: "tools/call", params: req.params }, CallToolResultSchema, {
        signal: call.signal,
        timeout: timeoutMs,
        resetTimeoutOnProgress: true,
        onprogress:
          progressToken === undefined
            ? undefined
            : (p) => channel.notify({ method: "notifications/progress", params: { ...p, progressToken } }),
      });
      await channel.flush();
      return result;
    } finally {
      untrack();
      call.done();
    }
  });
  await server.connect(transport);
  try {
    return await transport.handleRequest(request, body === undefined ? undefined : { parsedBody: body });
  } catch (err) {
    if (err instanceof AppError) return Response.json({ error: err.message }, { status: err.status });
    throw err;
  }
}
