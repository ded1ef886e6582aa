import { randomUUID } from "node:crypto";
import type { McpHttpHandler } from "@modelcontextprotocol/server";
import { getEnv } from "@/lib/env";
import { processGlobal } from "@/lib/process-global";
import { getReplicaBus } from "@/lib/replica-bus";
import { type GatewayAnswer, type GatewayExchange, jsonRpcError } from "./exchange";
import type { GatewayScope } from "./gateway-server";
import { holdStream, releasedWhenDone, tooManyStreamsMessage } from "./held-streams";
import { subscribeResource } from "./prompts-resources";
import { endSession, MAX_PER_SESSION } from "./subscriptions";

/**
 * A 2026-07-28 `subscriptions/listen` stream: the revision's one stream of changes, which
 * replaces both the 2025 GET stream and `resources/subscribe`. It is a held stream
 * (held-streams.ts): counted against the token's limit, and ended when the caller loses the
 * right to it.
 *
 * List changes are the gateway's, heard by every listen stream of the gateway (its handler's
 * bus). Resource updates are the caller's own: the resources a stream asks for are subscribed on
 * the caller's connections (subscriptions.ts, under a subscription of the stream's own, so the
 * same limits hold), and the stream is served by a handler of its own whose bus hears only those
 * updates, so no other caller of the gateway learns of them. A URI no server will subscribe to is
 * left out of what the stream acknowledges; the subscriptions end with the stream.
 */

/** The stream handlers a listen is served by: the gateway's, or a new one of the stream's own. */
export interface ListenHandlers {
  gateway: McpHttpHandler;
  /** A handler for one stream, hearing the gateway's list changes until `close`. */
  own(): { handler: McpHttpHandler; close(): void };
}

/** Where each open stream's resource updates go, by its subscription's session. */
const updateTargets = () =>
  processGlobal("listen-resource-updates", () => {
    const targets = new Map<string, (uri: string) => void>();
    getReplicaBus().subscribe((m) => {
      if (m.kind === "resource-updated") targets.get(m.session)?.(m.uri);
    });
    return targets;
  });

/** The resource URIs a listen request asks to hear about, when they are well formed. */
function requestedResources(body: unknown): string[] {
  const wanted = (body as { params?: { notifications?: { resourceSubscriptions?: unknown } } }).params?.notifications
    ?.resourceSubscriptions;
  if (!Array.isArray(wanted) || !wanted.every((u) => typeof u === "string")) return [];
  return [...new Set(wanted as string[])];
}

/** The listen request with only the resources that were subscribed. */
function withResources(body: unknown, uris: string[]): unknown {
  const message = body as { params?: { notifications?: Record<string, unknown> } };
  if (!message?.params?.notifications || typeof message.params.notifications !== "object") return body;
  return {
    ...message,
    params: { ...message.params, notifications: { ...message.params.notifications, resourceSubscriptions: uris } },
  };
}

export async function serveListen(
  exchange: GatewayExchange,
  body: unknown,
  scope: GatewayScope,
  options: {
    stillAllowed: () => Promise<boolean>;
    authInfo: unknown;
    handlers: ListenHandlers;
    /** The request passed the SDK's era rule and carries the revision's headers: its resources may be subscribed. */
    subscribable: boolean;
  },
): Promise<GatewayAnswer> {
  const max = getEnv().ARCHESTRA_GATEWAY_MAX_STREAMS_PER_TOKEN;
  const session = `listen:${randomUUID()}`;
  const held = holdStream({
    tokenId: scope.tokenId,
    signal: exchange.signal,
    stillAllowed: options.stillAllowed,
    maxPerToken: max,
    session,
  });
  if (!held) return jsonRpcError(429, -32600, tooManyStreamsMessage(max), { "Retry-After": "10" });
  // The SDK ends a listen stream when its request's signal aborts: here, when the stream is let go.
  const request = exchange.request();
  const listen = new Request(request.url, { method: "POST", headers: request.headers, signal: held.signal });
  const authInfo = options.authInfo as never;
  try {
    const wanted = options.subscribable ? requestedResources(body) : [];
    // A stream that names no resources, or a request the SDK will refuse (no upstream is asked
    // anything for it), is the gateway's handler's: with no resources, so none is acknowledged.
    if (wanted.length === 0) {
      const parsedBody = options.subscribable ? body : withResources(body, []);
      return releasedWhenDone(await options.handlers.gateway.fetch(listen, { parsedBody, authInfo }), held);
    }
    const who = { session, tokenId: scope.tokenId };
    held.signal.addEventListener("abort", () => void endSession(session).catch(() => {}), { once: true });
    const subscribed: string[] = [];
    for (const uri of wanted.slice(0, MAX_PER_SESSION)) {
      if (held.signal.aborted) break;
      try {
        await subscribeResource(scope.ctx, scope.assignments, who, { uri, protocolVersion: "2026-07-28" });
        subscribed.push(uri);
      } catch {
        // Not offered (no server has it, or will subscribe to it): left out of the acknowledgement.
      }
    }
    if (held.signal.aborted) {
      // The client left while subscriptions were made: the last one may have been recorded after
      // the stream's end had already ended the others.
      await endSession(session).catch(() => {});
      return { status: 499 };
    }
    const own = options.handlers.own();
    updateTargets().set(session, (uri) => own.handler.notify.resourceUpdated(uri));
    held.signal.addEventListener(
      "abort",
      () => {
        updateTargets().delete(session);
        own.close();
      },
      { once: true },
    );
    const parsedBody = withResources(body, subscribed);
    return releasedWhenDone(await own.handler.fetch(listen, { parsedBody, authInfo }), held);
  } catch (err) {
    held.release();
    throw err;
  }
}
