import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, sendJson, sendWebResponse, watchClient, webRequest } from "@/lib/http/node-web";
import { getLogger } from "@/lib/log";
import type { GatewayExchange } from "./exchange";
import { handleGatewayRequest } from "./handle-request";

/**
 * The gateway endpoint served straight from the app's node:http server, ahead of Next.js's
 * router, whose per-request work costs several times what the gateway's own does. Same handler
 * as the route (app/api/mcp/[gateway]/route.ts), which still serves `next dev`.
 */
const FRONT = Symbol.for("mcp-orchestrator.gateway-front");
const GATEWAY_PATH = /^\/api\/mcp\/([^/?#]+)\/?(?:\?.*)?$/;

export type GatewayFront = (req: IncomingMessage, res: ServerResponse) => boolean;

/** The gateway a request path names, or null when the path is not a gateway endpoint. */
export function gatewaySlug(url: string): string | null {
  const match = GATEWAY_PATH.exec(url);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1] as string);
  } catch {
    return null;
  }
}

/** Takes the request if it is for a gateway endpoint; false leaves it to Next.js. */
export const gatewayFront: GatewayFront = (req, res) => {
  const slug = gatewaySlug(req.url ?? "");
  if (slug === null) return false;
  void serve(req, res, slug);
  return true;
};

function nodeExchange(req: IncomingMessage, res: ServerResponse): GatewayExchange {
  // Watched from the start; its AbortSignal is made only when asked for (most requests never need one).
  const client = watchClient(res);
  return {
    method: req.method ?? "GET",
    header: (name) => {
      const value = req.headers[name];
      return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
    },
    get signal() {
      return client.signal;
    },
    whenGone: (listener) => client.whenGone(listener),
    body: (limit) => readBody(req, limit),
    request: () => webRequest(req, client.signal),
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, slug: string): Promise<void> {
  try {
    const answer = await handleGatewayRequest(nodeExchange(req, res), slug);
    if (answer instanceof Response) await sendWebResponse(res, answer);
    else sendJson(res, answer.status, answer.json, answer.headers);
  } catch (err) {
    getLogger().error({ err, gateway: slug }, "gateway request failed at the front");
    if (res.headersSent) res.end();
    else sendJson(res, 500, { jsonrpc: "2.0", error: { code: -32603, message: "Internal error." }, id: null });
  }
}

/**
 * Offers the front to the app server (scripts/server.mjs); called once at start-up. `then` takes
 * what the gateway does not (the authorization server's endpoints), before Next.js does.
 */
export function installGatewayFront(then?: GatewayFront): void {
  (globalThis as typeof globalThis & { [FRONT]?: GatewayFront })[FRONT] = then
    ? (req, res) => gatewayFront(req, res) || then(req, res)
    : gatewayFront;
}
