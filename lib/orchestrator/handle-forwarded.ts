import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from "@modelcontextprotocol/sdk/types.js";
import { getDb } from "@/db";
import { getAuditQueue } from "@/lib/audit/audit-queue";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { cancelCall, cancellableCall } from "@/lib/mcp/relay/cancellation";
import { asCancellation, asReply } from "@/lib/mcp/relay/follow-up";
import { deliverReply } from "@/lib/mcp/relay/pending-replies";
import { relayRequest } from "@/lib/mcp/relay/relay-call";
import { relayPrincipal } from "@/lib/mcp/relay/route-rule";
import { streamChannel } from "@/lib/mcp/relay/stream-channel";
import { sharedValidator } from "@/lib/mcp/shared-validator";
import { getOrchestrator } from ".";
import { listToolsPage } from "./discover-tools";
import type { ReplicaCaller } from "./replica-signature";

/** Who sent a forwarded request, as its signature proved (see replica-signature.ts). */
export interface ForwardedFrom {
  /** The sending replica's address. */
  from: string;
  /** The person or token the call is made for; null for the sending replica's own requests. */
  caller: ReplicaCaller | null;
}

/**
 * A call another replica forwards because this replica owns the instance's attach stream:
 * served over MCP (stateless), through this replica's one connection to the pod. What the
 * server asks during the call goes back to the forwarding replica, which relays it on.
 * Only for requests whose replica signature was checked (lib/http/internal-front.ts); `body`
 * is the request's parsed body. A tool call must name its caller, and is audited under them.
 */
export async function handleForwardedRequest(
  request: Request,
  instanceId: string,
  sender: ForwardedFrom,
  body: unknown,
): Promise<Response> {
  // Every call from one replica has one principal here; that replica tells its callers apart.
  const principal = `replica:${sender.from}`;
  // Request ids are counted per connection, and a replica holds one per instance.
  const cancelKey = `${principal}|${instanceId}`;
  const reply = asReply(body);
  if (reply) return new Response(null, { status: deliverReply(reply, principal) === "delivered" ? 202 : 404 });
  const cancellation = asCancellation(body);
  if (cancellation) {
    cancelCall(cancelKey, cancellation.requestId, cancellation.reason);
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
  server.setRequestHandler(ListToolsRequestSchema, async (req) => listToolsPage(await local(), req.params));
  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const caller = sender.caller;
    if (!caller) throw new McpError(ErrorCode.InvalidRequest, "A forwarded tool call must name its caller.");
    const started = performance.now();
    const audit = (outcome: "ok" | "error", error: string | null) => {
      const spec = orchestrator.reconciler.specFor(instanceId);
      getAuditQueue(getDb).push({
        action: "tool.call.forwarded",
        outcome,
        actor_user_id: caller.userId,
        actor_token_id: caller.tokenId,
        token_kind: caller.tokenKind,
        team_id: caller.teamId,
        gateway_id: caller.gatewayId,
        catalog_item_id: spec?.serverId ?? null,
        credential_id: spec?.credentialId ?? null,
        tool_name: req.params.name,
        duration_ms: Math.round(performance.now() - started),
        error,
        details: { from: sender.from, instanceId },
      });
    };
    const client = await local().catch((err: Error) => {
      audit("error", err.message);
      throw err;
    });
    const call = cancellableCall(cancelKey, extra.requestId, [extra.signal]);
    const channel = streamChannel({ stream: transport, relatedRequestId: extra.requestId, principal, timeoutMs });
    try {
      // The stdio rule (route-rule.ts) tells callers apart by who made the call, which the
      // sending replica signed, not by the replica: people behind one replica are not one caller.
      const result = await relayRequest(client, channel, {
        method: "tools/call",
        principal: relayPrincipal(caller),
        params: req.params,
        signal: call.signal,
        timeoutMs,
        progressToken: extra._meta?.progressToken,
      });
      audit(result.isError ? "error" : "ok", null);
      return result as never;
    } catch (err) {
      audit("error", (err as Error).message);
      throw err;
    } finally {
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
