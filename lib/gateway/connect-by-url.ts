import { randomUUID } from "node:crypto";
import { type InputRequiredResult, inputRequired } from "@modelcontextprotocol/server";
import type { Resolution } from "@/lib/credentials/resolve-credential";
import type { ClientChannel } from "@/lib/mcp/relay/inflight";
import { processGlobal } from "@/lib/process-global";
import { type CallToolContext, resolveForCaller } from "./call-tool";
import type { LoadedAssignment } from "./load-gateway";
import { installUrl } from "./missing-credential";

/**
 * A call that finds no usable credential, from a client that can open links for its person
 * (URL-mode elicitation), asks the client to open the install link and continues once the person
 * has connected: a 2025-11-25 client is asked with `elicitation/create` on the call's stream, a
 * 2026-07-28 client with an `input_required` result. A decline, a client that cannot open links,
 * or no connection within the call's time get today's tool result with the link.
 */

/** What to ask: the message and link for connecting (or re-connecting) the assignment's server. */
export function connectPrompt(
  ctx: CallToolContext,
  assignment: LoadedAssignment,
  kind: "missing" | "reauth",
): { message: string; url: string } {
  const { name, slug } = assignment.item;
  return {
    message:
      kind === "reauth"
        ? `Your credential for ${name} has expired or was revoked. Connect it again to continue.`
        : `${name} is not connected for you yet. Connect it to continue.`,
    url: installUrl(ctx.origin, slug, kind),
  };
}

/** The kind of connection a resolution lacks, or null when the call can go ahead. */
export const lacking = (resolution: Resolution): "missing" | "reauth" | null =>
  resolution.kind === "resolved" ? null : resolution.kind === "reauth" ? "reauth" : "missing";

const POLL_MS = 500;
/** The most calls of one token that wait for a connection on one replica; beyond, calls answer with the link at once. */
export const MAX_WAITS_PER_TOKEN = 10;

const waiting = () => processGlobal("connect-waits", () => new Map<string, number>());

/**
 * Waits until the caller has a usable credential for the assignment (checked every half second,
 * from the same short-lived candidates every call reads), for at most `timeoutMs`. A token
 * already waiting in MAX_WAITS_PER_TOKEN calls here does not wait again: false at once.
 */
export async function awaitConnection(
  ctx: CallToolContext,
  assignment: LoadedAssignment,
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<boolean> {
  const token = ctx.caller.tokenId;
  const waits = waiting();
  const held = waits.get(token) ?? 0;
  if (held >= MAX_WAITS_PER_TOKEN) return false;
  waits.set(token, held + 1);
  try {
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      if (lacking(await resolveForCaller(ctx, assignment)) === null) return true;
      if (options.signal.aborted || Date.now() + POLL_MS > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    const left = (waits.get(token) ?? 1) - 1;
    if (left > 0) waits.set(token, left);
    else waits.delete(token);
  }
}

/**
 * Before a call, for a caller that can open links: when the caller lacks a credential, asks
 * them to connect. A 2026-07-28 caller gets the `input_required` result to return (its retry
 * carries the `answer`); a 2025 caller is asked on the call's stream and waited for. Null: go
 * ahead with the call (connected, or not: the call then answers with the link as before).
 */
export async function connectFirst(
  options: { ctx: CallToolContext; assignment: LoadedAssignment; signal: AbortSignal } & (
    | { era: "modern"; answer: unknown; seal: () => Promise<string> }
    | { era: "legacy"; channel: ClientChannel }
  ),
): Promise<InputRequiredResult | null> {
  const { ctx, assignment, signal } = options;
  const wait = { timeoutMs: ctx.timeoutMs, signal };
  if (options.era === "modern" && options.answer !== undefined) {
    // The retry after asking: once the person has connected, the call goes ahead.
    if ((options.answer as { action?: unknown } | null)?.action === "accept")
      await awaitConnection(ctx, assignment, wait);
    return null;
  }
  const need = lacking(await resolveForCaller(ctx, assignment));
  if (!need) return null;
  const prompt = connectPrompt(ctx, assignment, need);
  if (options.era === "modern")
    return inputRequired({
      inputRequests: { connect: inputRequired.elicitUrl(prompt) },
      requestState: await options.seal(),
    });
  const elicitationId = randomUUID();
  const answer = await options.channel
    .request({ method: "elicitation/create", params: { mode: "url", elicitationId, ...prompt } }, signal)
    .catch(() => null);
  if (answer?.action === "accept" && (await awaitConnection(ctx, assignment, wait)))
    options.channel.notify({ method: "notifications/elicitation/complete", params: { elicitationId } });
  return null;
}
