import type { IncomingMessage, ServerResponse } from "node:http";
import { getDb } from "@/db";
import { getAuthSecret } from "@/lib/app-secrets";
import { getEnv } from "@/lib/env";
import { handleForwardedReply, handleForwardedResume } from "@/lib/gateway/relay-routing";
import { getLogger } from "@/lib/log";
import { metricsResponse } from "@/lib/metrics";
import { handleForwardedRequest } from "@/lib/orchestrator/handle-forwarded";
import { NonceCache, replicaSigningKey, verifyReplicaRequest } from "@/lib/orchestrator/replica-signature";
import { readBody, sendJson, sendWebResponse, watchClient, webRequest } from "./node-web";

/**
 * What the internal listener (ARCHESTRA_INTERNAL_PORT, scripts/server.mjs) answers: the routes
 * replicas call on each other, and metrics. The public port answers none of them. Replica routes
 * exist only when this replica has an address for the others (ARCHESTRA_REPLICA_URL), and take
 * only requests another replica signed (replica-signature.ts).
 */
const INTERNAL = Symbol.for("mcp-orchestrator.internal-front");
const INSTANCE_PATH = /^\/api\/internal\/instances\/([A-Za-z0-9-]{1,64})\/mcp$/;
const RELAY_PATH = "/api/internal/relay";
const BRIDGE_PATH = "/api/internal/bridge";
/** A forwarded call's body is a gateway request's (1 MiB at most) with a little around it. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export type InternalFront = (req: IncomingMessage, res: ServerResponse) => void;

export interface InternalDeps {
  /** This replica's address (ARCHESTRA_REPLICA_URL); replica routes answer 404 without one. */
  replicaUrl: string | undefined;
  key: Buffer;
  nonces: NonceCache;
  metrics: () => Promise<Response>;
  forwarded: typeof handleForwardedRequest;
  reply: typeof handleForwardedReply;
  resume: typeof handleForwardedResume;
}

const notFound = (res: ServerResponse) =>
  sendJson(res, 404, { error: { code: "not_found", message: "No such endpoint." } });

/** Answers one request on the internal listener. */
export async function serveInternal(req: IncomingMessage, res: ServerResponse, deps: InternalDeps): Promise<void> {
  const client = watchClient(res);
  const url = req.url ?? "/";
  const path = url.split("?")[0] ?? "/";
  if (path === "/api/metrics" && req.method === "GET") return sendWebResponse(res, await deps.metrics());
  const instance = INSTANCE_PATH.exec(path);
  if (!deps.replicaUrl || (!instance && path !== RELAY_PATH && path !== BRIDGE_PATH)) return notFound(res);

  const bytes = await readBody(req, MAX_BODY_BYTES);
  if (bytes.length > MAX_BODY_BYTES) return sendJson(res, 413, { error: "request body too large" });
  const request = webRequest(req, client.signal);
  const verified = verifyReplicaRequest(
    { method: req.method ?? "GET", to: deps.replicaUrl, path: url, body: bytes, headers: request.headers },
    { key: deps.key, nonces: deps.nonces },
  );
  if (!verified.ok) {
    getLogger().warn({ reason: verified.reason, path }, "refused an internal request");
    return sendJson(res, 403, { error: "not a replica of this deployment" });
  }
  let body: unknown;
  try {
    body = bytes.length ? JSON.parse(bytes.toString("utf8")) : undefined;
  } catch {
    return sendJson(res, 400, { error: "the body is not JSON" });
  }
  if (instance) {
    const sender = { from: verified.from, caller: verified.caller };
    return sendWebResponse(res, await deps.forwarded(request, instance[1] as string, sender, body));
  }
  if (req.method !== "POST") return sendJson(res, 405, { error: "POST only" });
  if (path === BRIDGE_PATH) return sendWebResponse(res, await deps.resume(body, client.signal));
  return sendWebResponse(res, deps.reply(body));
}

const NONCES = Symbol.for("mcp-orchestrator.replica-nonces");
type NonceGlobal = typeof globalThis & { [NONCES]?: NonceCache };

/** Offers the internal front to the app server (scripts/server.mjs); called once at start-up. */
export function installInternalFront(): void {
  const g = globalThis as NonceGlobal & { [INTERNAL]?: InternalFront };
  g[NONCES] ??= new NonceCache();
  const deps: InternalDeps = {
    replicaUrl: getEnv().ARCHESTRA_REPLICA_URL,
    key: replicaSigningKey(getAuthSecret()),
    nonces: g[NONCES],
    metrics: () => metricsResponse(getDb()),
    forwarded: handleForwardedRequest,
    reply: handleForwardedReply,
    resume: handleForwardedResume,
  };
  g[INTERNAL] = (req, res) => {
    serveInternal(req, res, deps).catch((err: Error) => {
      getLogger().error({ err }, "internal request failed");
      if (res.headersSent) res.end();
      else sendJson(res, 500, { error: "internal error" });
    });
  };
}
