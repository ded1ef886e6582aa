import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startTokenProxy, type TokenProxy } from "./token-proxy";

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A stand-in for the gateway: records what arrives and answers with `handler`. */
async function upstream(handler: http.RequestListener): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanup.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/mcp/conformance`, server };
}

async function proxyTo(target: string): Promise<TokenProxy> {
  const proxy = await startTokenProxy({ target, token: "secret-token" });
  cleanup.push(() => proxy.close());
  return proxy;
}

/** A raw request, so that the Host header is exactly what the test says. */
function request(
  url: string,
  opts: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string } = {},
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? "GET", headers: opts.headers }, resolve);
    req.on("error", reject);
    req.end(opts.body);
  });
}

async function text(res: http.IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of res) body += chunk;
  return body;
}

describe("the token proxy", () => {
  it("forwards /mcp to the gateway with the token, the Host and the body as sent", async () => {
    let seen: { url?: string; method?: string; headers?: http.IncomingHttpHeaders; body?: string } = {};
    const gw = await upstream(async (req, res) => {
      seen = { url: req.url, method: req.method, headers: req.headers, body: await text(req) };
      res.writeHead(201, { "content-type": "application/json", "mcp-session-id": "s1" }).end('{"ok":true}');
    });
    const proxy = await proxyTo(gw.url);
    const res = await request(`${proxy.url}?x=1`, {
      method: "POST",
      headers: {
        host: "evil.example.com:1234",
        authorization: "Bearer the-callers-own",
        "content-type": "application/json",
        "mcp-protocol-version": "2025-11-25",
      },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers["mcp-session-id"]).toBe("s1");
    expect(await text(res)).toBe('{"ok":true}');
    expect(seen.url).toBe("/api/mcp/conformance?x=1");
    expect(seen.method).toBe("POST");
    expect(seen.headers?.host).toBe("evil.example.com:1234");
    expect(seen.headers?.authorization).toBe("Bearer secret-token");
    expect(seen.headers?.["mcp-protocol-version"]).toBe("2025-11-25");
    expect(seen.body).toBe('{"jsonrpc":"2.0","id":1,"method":"ping"}');
  });

  it("streams an event stream: an event arrives before the gateway ends the response", async () => {
    let delivered!: () => void;
    const firstEventDelivered = new Promise<void>((r) => {
      delivered = r;
    });
    const gw = await upstream(async (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write('event: message\ndata: {"progress":1}\n\n');
      // A proxy that buffers until the end never delivers the first event, and the test times out.
      await firstEventDelivered;
      res.end('event: message\ndata: {"result":{}}\n\n');
    });
    const proxy = await proxyTo(gw.url);
    const res = await request(proxy.url, { headers: { accept: "text/event-stream" } });
    expect(res.headers["content-type"]).toBe("text/event-stream");
    const chunks: string[] = [];
    for await (const chunk of res) {
      chunks.push(String(chunk));
      if (chunks.length === 1) {
        expect(chunks[0]).toContain('"progress":1');
        delivered();
      }
    }
    expect(chunks.join("")).toContain('"result"');
  }, 10_000);

  it("closes the gateway's side when the client abandons a stream", async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => {
      upstreamClosed = r;
    });
    const gw = await upstream((req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(": open\n\n");
      req.socket.on("close", () => upstreamClosed());
    });
    const proxy = await proxyTo(gw.url);
    const res = await request(proxy.url);
    await new Promise((r) => res.once("data", r));
    res.destroy();
    await closed;
  }, 10_000);

  it("answers 502 when the gateway is down, and 404 outside /mcp", async () => {
    const gw = await upstream((_req, res) => res.end());
    const proxy = await proxyTo(gw.url);
    expect((await request(proxy.url.replace(/\/mcp$/, "/other"))).statusCode).toBe(404);
    await new Promise<void>((r) => {
      gw.server.closeAllConnections();
      gw.server.close(() => r());
    });
    expect((await request(proxy.url)).statusCode).toBe(502);
  });

  it("forwards to loopback only", async () => {
    await expect(startTokenProxy({ target: "http://example.com/api/mcp/x", token: "t" })).rejects.toThrow(/loopback/);
  });
});
