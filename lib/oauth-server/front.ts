import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson } from "@/lib/http/node-web";
import { publicOrigin } from "@/lib/http/public-url";
import { getEnv } from "@/lib/env";
import { addressKey, WindowLimit } from "@/lib/http/rate-limit";
import { getLogger } from "@/lib/log";
import { processGlobal } from "@/lib/process-global";
import { appAuthorizationServer } from "./app-server";
import { OAUTH_ROUTES } from "./provider";

/**
 * The authorization server's endpoints, answered by the app server ahead of Next.js (like the
 * gateway endpoint): its metadata at the origin's well-known addresses (RFC 8414, and OpenID
 * discovery), and everything under `/oauth/` except the sign-in and consent page
 * (`/oauth/interaction/...`, a page of the app).
 */
const REGISTRATIONS_PER_MINUTE = 10;
/** Authorization requests per client address and minute (each keeps a record for ten minutes). */
const AUTHORIZATIONS_PER_MINUTE = 60;
const METADATA = new Set(["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"]);
const registrations = () =>
  processGlobal("oauth-registrations", () => new WindowLimit(REGISTRATIONS_PER_MINUTE, 60_000));
const authorizations = () =>
  processGlobal("oauth-authorizations", () => new WindowLimit(AUTHORIZATIONS_PER_MINUTE, 60_000));

const handlers = new WeakMap<object, ReturnType<ReturnType<typeof appAuthorizationServer>["callback"]>>();

/** Whether a request path is the authorization server's (and not the app's page). */
export function isAuthorizationServerPath(url: string): boolean {
  const path = url.split("?")[0] as string;
  if (METADATA.has(path)) return true;
  return path.startsWith("/oauth/") && !path.startsWith("/oauth/interaction/");
}

/**
 * The address a request came from, as rate limits key it: the entry (scripts/request-entry.mjs)
 * has made X-Forwarded-For the one client address it believes; else the peer.
 */
function clientKey(req: IncomingMessage): string {
  const forwarded = req.headers["x-forwarded-for"];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
  return addressKey(first || req.socket.remoteAddress || "unknown");
}

/**
 * With ARCHESTRA_PUBLIC_URL set, the server's URLs (its endpoints in metadata, where browsers are
 * sent) are built from it, whatever Host a request names.
 */
export function pinToPublicUrl(req: Pick<IncomingMessage, "headers">, publicUrl: string | undefined): void {
  if (!publicUrl) return;
  const url = new URL(publicUrl);
  req.headers.host = url.host;
  req.headers["x-forwarded-proto"] = url.protocol.slice(0, -1);
  delete req.headers["x-forwarded-host"];
}

/** Takes the request if it is the authorization server's; false leaves it to Next.js. */
export function authorizationServerFront(req: IncomingMessage, res: ServerResponse): boolean {
  const url = req.url ?? "/";
  if (!isAuthorizationServerPath(url)) return false;
  const path = url.split("?")[0] as string;
  const limit =
    path === OAUTH_ROUTES.registration && req.method === "POST"
      ? registrations()
      : path === OAUTH_ROUTES.authorization
        ? authorizations()
        : null;
  if (limit && !limit.take(clientKey(req))) {
    sendJson(
      res,
      429,
      { error: "invalid_request", error_description: "Too many requests from this address: try again in a minute." },
      { "retry-after": "60" },
    );
    return true;
  }
  pinToPublicUrl(req, getEnv().ARCHESTRA_PUBLIC_URL);
  // RFC 8414's address and OpenID's name one document (oidc-provider serves it under the latter).
  if (METADATA.has(path)) req.url = "/.well-known/openid-configuration";
  try {
    const server = appAuthorizationServer(publicOrigin({ get: (name) => headerOf(req, name) }));
    let handle = handlers.get(server);
    if (!handle) {
      handle = server.callback();
      handlers.set(server, handle);
    }
    void handle(req, res);
  } catch (err) {
    getLogger().error({ err }, "authorization server request failed");
    if (!res.headersSent) sendJson(res, 500, { error: "server_error", error_description: "Internal error." });
  }
  return true;
}

function headerOf(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name.toLowerCase()];
  return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
}
