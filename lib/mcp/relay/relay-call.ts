import { type Client, withInputRequired } from "@modelcontextprotocol/client";
import { z } from "zod";
import { type ClientChannel, openCall } from "./inflight";

const AnyResult = z.looseObject({});

/** A result schema that also takes `input_required`, made once per schema (making one costs more than a call). */
export const orInputRequired = (() => {
  const made = new WeakMap<object, unknown>();
  return <S extends z.ZodType<Record<string, unknown>>>(schema: S): ReturnType<typeof withInputRequired<S>> => {
    let found = made.get(schema);
    if (!found) {
      found = withInputRequired(schema);
      made.set(schema, found);
    }
    return found as ReturnType<typeof withInputRequired<S>>;
  };
})();

/**
 * One request relayed to an upstream server (a tool call, or a prompt or read a 2025 caller asks for),
 * the one way both the gateway and a replica serving a call forwarded to it make one: what the
 * server asks during it, and its progress, reach `channel` (and only it: see route-rule.ts; a
 * request given up on counts as in flight until the server answers it, for as long as a call may
 * last), and the result comes back as the server sent it (checked against `schema`). With
 * `allowInputRequired`, a 2026-07-28 server's `input_required` is returned instead of being
 * asked of `channel`.
 */
const SERVER_INFO = "io.modelcontextprotocol/serverInfo";

/**
 * An upstream's result without the identity it may claim in `_meta`: the gateway answers as
 * itself (the SDK names the gateway there in 2026-07-28), so no server can pose as the gateway.
 */
export function withoutServerIdentity<R>(result: R): R {
  const meta = (result as { _meta?: Record<string, unknown> } | null)?._meta;
  if (!meta || typeof meta !== "object" || !(SERVER_INFO in meta)) return result;
  const { [SERVER_INFO]: _claimed, ...rest } = meta;
  return { ...result, _meta: rest };
}

export async function relayRequest(
  client: Client,
  channel: ClientChannel,
  options: {
    method: "tools/call" | "prompts/get" | "resources/read";
    params: Record<string, unknown>;
    /** Who the request is made for, as the relay rule tells callers apart. */
    principal: string;
    signal?: AbortSignal;
    timeoutMs: number;
    progressToken?: string | number;
    allowInputRequired?: boolean;
    schema?: z.ZodType<Record<string, unknown>>;
  },
): Promise<Record<string, unknown>> {
  const { progressToken } = options;
  const schema = options.schema ?? AnyResult;
  const call = openCall(client, channel, { principal: options.principal, lingerMs: options.timeoutMs });
  try {
    const result = await call.send(() =>
      client.request(
        { method: options.method, params: options.params },
        options.allowInputRequired ? orInputRequired(schema) : schema,
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
    return withoutServerIdentity(result as Record<string, unknown>);
  } finally {
    call.end();
  }
}
