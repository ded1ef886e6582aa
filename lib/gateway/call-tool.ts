import type { ClientCapabilities, InputRequiredResult } from "@modelcontextprotocol/client";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
// The caller's side (the gateway's own server) is still on the SDK's v1 line.
import type { CallToolResult, ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import type { Database } from "@/db";
import { getAuditQueue } from "@/lib/audit/audit-queue";
import { type CandidateCredential, type Resolution, resolveCredential } from "@/lib/credentials/resolve-credential";
import type { Keyring } from "@/lib/crypto";
import type { ClientChannel } from "@/lib/mcp/relay/inflight";
import { relayRequest } from "@/lib/mcp/relay/relay-call";
import { relayPrincipal } from "@/lib/mcp/relay/route-rule";
import { upstreamEra } from "@/lib/mcp/upstream-era";
import { getMetrics } from "@/lib/metrics";
import { NeedsReauthError } from "@/lib/oauth/access-token";
import type { Orchestrator } from "@/lib/orchestrator";
import { withCaller } from "@/lib/orchestrator/forwarding-caller";
import type { GatewayCaller } from "./caller";
import type { Gateway } from "./gateway-access";
import type { ExposedTool, LoadedAssignment } from "./load-gateway";
import { candidateCache } from "./hot-path-cache";
import { missingCredentialResult } from "./missing-credential";
import { upstreamClient } from "@/lib/orchestrator/upstream-client";
import { type PassThrough, passThroughParams } from "./whole-definitions";

export interface CallToolContext {
  db: Database;
  orchestrator: Orchestrator;
  keyring: Keyring;
  gateway: Gateway;
  caller: GatewayCaller;
  origin: string;
  timeoutMs: number;
  /** The era the caller speaks: a remote server that speaks both is reached in it (the best era when absent). */
  callerEra?: "legacy" | "modern";
}

async function candidates(db: Database, itemId: string): Promise<CandidateCredential[]> {
  const rows = await db
    .selectFrom("credentials")
    .select(["id", "scope", "owner_user_id", "owner_team_id", "status", "created_at", "expires_at", "team_use"])
    .where("catalog_item_id", "=", itemId)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    scope: r.scope,
    ownerUserId: r.owner_user_id,
    ownerTeamId: r.owner_team_id,
    status: r.status,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    teamUse: r.team_use,
  }));
}

const touched = new Map<string, number>();

/** Records when a credential was last used: at most once a minute each, off the call's path. */
function touchCredential(db: Database, id: string): void {
  const now = Date.now();
  if (now - (touched.get(id) ?? 0) < 60_000) return;
  touched.set(id, now);
  void db
    .updateTable("credentials")
    .set({ last_used_at: new Date(now) })
    .where("id", "=", id)
    .execute()
    .catch(() => {});
}

const errorResult = (text: string): CallToolResult => ({ isError: true, content: [{ type: "text", text }] });

/** A tool's result passed on as the server sent it (what it carries is the caller's business). */
const MISSING_CLIENT_CAPABILITY = -32021;

/**
 * A call from a 2026-07-28 caller to a 2026-07-28 server: what the server asks comes back to the
 * caller as the server's own `input_required` result, and the caller's retry brings the answers
 * and the server's `requestState` (the edge seals it on the way out and opens it on the way back;
 * here it is the server's own).
 */

/**
 * What the upstream is told the caller can be asked during this call (2026-07-28 servers read it
 * from each request): what the caller declared, not everything the gateway could relay.
 */
function callerCapabilities(channel: ClientChannel, passThrough?: PassThrough): ClientCapabilities | undefined {
  if (passThrough?.capabilities) return passThrough.capabilities;
  const can = channel.can;
  if (!can) return undefined;
  return {
    ...(can.sampling ? { sampling: {} } : {}),
    ...(can.elicitation ? { elicitation: { form: {} } } : {}),
    ...(can.roots ? { roots: {} } : {}),
  };
}

/**
 * Which credential this caller's call through this assignment uses, from cached candidates:
 * answered at once when they are cached, a promise when they must be read.
 */
export function resolveForCaller(ctx: CallToolContext, assignment: LoadedAssignment): Resolution | Promise<Resolution> {
  const decide = (found: CandidateCredential[]) =>
    resolveCredential(
      { mode: assignment.mode, staticCredentialId: assignment.staticCredentialId },
      ctx.caller.caller,
      found,
    );
  const known = candidateCache().read(assignment.item.id, () => candidates(ctx.db, assignment.item.id));
  return known instanceof Promise ? known.then(decide) : decide(known);
}

/**
 * One tool call through a gateway: choose the credential (static, or by who calls), reach the
 * server with it, relay progress, cancellation and what the server asks of the client (through
 * `channel`), and record the call (never its arguments
 * or result).
 * What a server asks during the call reaches the caller through `channel`: as requests on the
 * call's stream from a 2025 server, and from a 2026-07-28 server's `input_required` answers,
 * which the client fulfils through the same relay and retries. With `passThrough` (a 2026-07-28
 * caller) and a 2026-07-28 server, an `input_required` answer is returned as it came instead.
 * A 2025 server under `passThrough` is called as for any caller (bridging its requests to
 * `input_required` is not done here).
 */
export async function callGatewayTool(
  ctx: CallToolContext,
  tool: ExposedTool,
  args: Record<string, unknown> | undefined,
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
  channel: ClientChannel,
  passThrough?: PassThrough,
): Promise<CallToolResult | InputRequiredResult> {
  const started = performance.now();
  const { assignment } = tool;
  const audit = (outcome: "ok" | "error" | "denied", credentialId: string | null, error: string | null) => {
    const seconds = (performance.now() - started) / 1000;
    const labels = { gateway: ctx.gateway.slug, server: assignment.item.slug, tool: tool.upstreamName };
    const metrics = getMetrics();
    metrics.toolCalls.inc({ ...labels, outcome });
    metrics.toolCallSeconds.observe(labels, seconds);
    getAuditQueue(() => ctx.db).push({
      action: "tool.call",
      outcome,
      actor_user_id: ctx.caller.userId,
      actor_token_id: ctx.caller.tokenId,
      token_kind: ctx.caller.tokenKind,
      team_id: ctx.caller.teamId,
      gateway_id: ctx.gateway.id,
      catalog_item_id: assignment.item.id,
      credential_id: credentialId,
      tool_name: tool.upstreamName,
      duration_ms: Math.round(seconds * 1000),
      error,
    });
  };

  const resolving = resolveForCaller(ctx, assignment);
  const resolution = resolving instanceof Promise ? await resolving : resolving;
  if (resolution.kind !== "resolved") {
    audit("denied", resolution.kind === "reauth" ? resolution.credentialId : null, `credential ${resolution.kind}`);
    return missingCredentialResult({
      kind: resolution.kind,
      server: assignment.item,
      origin: ctx.origin,
      hasOutputSchema: tool.definition.outputSchema !== undefined,
    });
  }

  touchCredential(ctx.db, resolution.credentialId);
  try {
    const client = await upstreamClient(
      ctx.db,
      ctx.orchestrator,
      ctx.keyring,
      assignment.item,
      resolution.credentialId,
      ctx.callerEra,
    );
    const modern = upstreamEra(client) === "modern";
    const passing = modern && passThrough !== undefined;
    const capabilities = modern ? callerCapabilities(channel, passThrough) : undefined;
    const params = {
      name: tool.upstreamName,
      arguments: args,
      ...passThroughParams({ ...(passing ? passThrough : {}), capabilities }),
    };
    // Made for this caller: another replica that serves the call is told who, signed.
    const { tokenId, tokenKind, userId, teamId } = ctx.caller;
    const result = (await withCaller({ tokenId, tokenKind, userId, teamId, gatewayId: ctx.gateway.id }, () =>
      relayRequest(client, channel, {
        method: "tools/call",
        principal: relayPrincipal(ctx.caller),
        params,
        signal: extra.signal,
        timeoutMs: ctx.timeoutMs,
        progressToken: extra._meta?.progressToken,
        allowInputRequired: passing,
      }),
    )) as CallToolResult | InputRequiredResult;
    audit("isError" in result && result.isError ? "error" : "ok", resolution.credentialId, null);
    return result;
  } catch (err) {
    const message = (err as Error).message;
    if (err instanceof NeedsReauthError) {
      audit("denied", resolution.credentialId, "credential needs_reauth");
      return missingCredentialResult({
        kind: "reauth",
        server: assignment.item,
        origin: ctx.origin,
        hasOutputSchema: tool.definition.outputSchema !== undefined,
      });
    }
    audit("error", resolution.credentialId, message);
    if (extra.signal.aborted) throw err;
    // The server needs a capability the caller did not declare: the caller is told so, as the
    // server said it (-32021, which 2026-07-28 answers with HTTP 400), not as a tool failure.
    if ((err as { code?: unknown }).code === MISSING_CLIENT_CAPABILITY) throw err;
    return errorResult(`${assignment.item.name} could not run ${tool.upstreamName}: ${message}`);
  }
}
