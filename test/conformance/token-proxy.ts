/**
 * A loopback pass-through proxy that adds the gateway token: the conformance suite sends no
 * Authorization header, the gateway needs one. Requests to `/mcp` go to the gateway's endpoint
 * with everything else as sent (Host included, so the suite's DNS-rebinding checks reach the
 * gateway unchanged); bodies stream both ways, event streams included.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface TokenProxyOptions {
  /** The gateway's MCP endpoint, e.g. http://127.0.0.1:3000/api/mcp/conf. */
  target: string;
  token: string;
}

export interface TokenProxy {
  /** The proxy's MCP endpoint, for the suite's --url. */
  url: string;
  close(): Promise<void>;
}

/** Headers that describe one connection, not the message (RFC 9110, 7.6.1). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function endToEnd(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? "")
      .split(",")
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name)) out[name] = value;
  }
  return out;
}

export async function startTokenProxy(opts: TokenProxyOptions): Promise<TokenProxy> {
  const target = new URL(opts.target);
  if (target.protocol !== "http:" || !["127.0.0.1", "localhost", "[::1]"].includes(target.hostname)) {
    throw new Error(`The token proxy only forwards to loopback over http, not ${target.origin}`);
  }
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const incoming = new URL(req.url ?? "/", "http://proxy");
    if (incoming.pathname !== "/mcp") {
      res.writeHead(404, { "content-type": "text/plain" }).end("The token proxy serves /mcp only.\n");
      return;
    }
    const upstream = http.request({
      agent,
      host: target.hostname.replace(/^\[|\]$/g, ""),
      port: target.port,
      method: req.method,
      path: `${target.pathname}${incoming.search}`,
      headers: { ...endToEnd(req.headers), authorization: `Bearer ${opts.token}` },
    });
    upstream.on("response", (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.headers));
      // An event stream's headers go out now, not with its first event.
      res.flushHeaders();
      answer.pipe(res);
      answer.on("error", () => res.destroy());
    });
    upstream.on("error", (err) => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502, { "content-type": "text/plain" }).end(`The gateway did not answer: ${err.message}\n`);
    });
    // The suite closed its side (an abandoned stream): close the gateway's side too.
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
