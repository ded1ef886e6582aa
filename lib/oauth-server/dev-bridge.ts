import http from "node:http";
import type { AddressInfo } from "node:net";
import { publicOrigin } from "@/lib/http/public-url";
import { processGlobal } from "@/lib/process-global";
import { authorizationServerFront } from "./front";

/**
 * For `next dev` only, where the app server (scripts/server.mjs) and its fronts do not run: the
 * authorization server's endpoints through a listener of this process on loopback, since
 * oidc-provider answers node:http requests. The request's origin goes along as forwarded headers
 * (the listener is reached from this process alone).
 */
const listener = () =>
  processGlobal(
    "oauth-dev-listener",
    () =>
      new Promise<number>((resolve, reject) => {
        const server = http.createServer((req, res) => {
          if (!authorizationServerFront(req, res)) res.writeHead(404).end();
        });
        server.once("error", reject).listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
        server.unref();
      }),
  );

export async function bridgeToAuthorizationServer(request: Request): Promise<Response> {
  const port = await listener();
  const url = new URL(request.url);
  const origin = new URL(publicOrigin(request.headers));
  const headers = new Headers(request.headers);
  headers.set("x-forwarded-host", origin.host);
  headers.set("x-forwarded-proto", origin.protocol.slice(0, -1));
  const answer = await fetch(`http://127.0.0.1:${port}${url.pathname}${url.search}`, {
    method: request.method,
    headers,
    body: request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer(),
    redirect: "manual",
  });
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}
