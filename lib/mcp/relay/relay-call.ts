import { type Client, withInputRequired } from "@modelcontextprotocol/client";
import { z } from "zod";
import { type ClientChannel, openCall } from "./inflight";

const AnyResult = z.looseObject({});
const ResultOrInputRequired = withInputRequired(AnyResult);

/**
 * One tool call relayed to an upstream server, the one way both the gateway and a replica
 * serving a call forwarded to it make one: what the server asks during the call, and its
 * progress, reach `channel` (and only it: see route-rule.ts; a call given up on counts as in
 * flight until the server answers it, for as long as a call may last), and the result comes back
 * as the server sent it. With `allowInputRequired`, a 2026-07-28 server's `input_required` is
 * returned instead of being asked of `channel`.
 */
export async function relayToolCall(
  client: Client,
  channel: ClientChannel,
  options: {
    /** Who the call is made for, as the relay rule tells callers apart. */
    principal: string;
    params: Record<string, unknown>;
    signal: AbortSignal;
    timeoutMs: number;
    progressToken?: string | number;
    allowInputRequired?: boolean;
  },
): Promise<Record<string, unknown>> {
  const { progressToken } = options;
  const call = openCall(client, channel, { principal: options.principal, lingerMs: options.timeoutMs });
  try {
    const result = await call.send(() =>
      client.request(
        { method: "tools/call", params: options.params },
        options.allowInputRequired ? ResultOrInputRequired : AnyResult,
        {
          signal: options.signal,
          timeout: options.timeoutMs,
          resetTimeoutOnProgress: true,
          allowInputRequired: options.allowInputRequired,
          onprogress:
            progressToken === undefined
              ? undefined
              : (p) => channel.notify({ method: "notifications/progress", params: { ...p, progressToken } }),
        },
      ),
    );
    await channel.flush();
    return result as Record<string, unknown>;
  } finally {
    call.end();
  }
}
