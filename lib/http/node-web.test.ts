import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { readBody, sendJson, sendWebResponse, watchClient } from "./node-web";

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("node:http answers for the app server's own endpoints", () => {
  it("keeps a body up to the limit: the oversized request is refused, not buffered", async () => {
    let seen = -1;
    const url = await serve(async (req, res) => {
      const body = await readBody(req, 1024);
      seen = body.length;
      if (body.length > 1024) sendJson(res, 413, { error: "too large" });
      else sendJson(res, 200, { size: body.length });
    });
    const small = await fetch(url, { method: "POST", body: "x".repeat(1024) });
    expect(await small.json()).toEqual({ size: 1024 });
    // 8 MB sent in chunks without a length: the server keeps a little over the limit and refuses.
    const chunks = new ReadableStream({
      start(c) {
        for (let i = 0; i < 128; i++) c.enqueue(new Uint8Array(64 * 1024));
        c.close();
      },
    });
    const big = await fetch(url, { method: "POST", body: chunks, duplex: "half" } as RequestInit);
    expect(big.status).toBe(413);
    expect(seen).toBeGreaterThan(1024);
    expect(seen).toBeLessThan(8 * 1024 * 1024);
  });

  it("streams an event stream as it is written, and keeps every header", async () => {
    let release: () => void = () => {};
    const url = await serve((_req, res) => {
      const body = new ReadableStream<Uint8Array>({
        async start(c) {
          c.enqueue(new TextEncoder().encode("data: first\n\n"));
          await new Promise<void>((r) => {
            release = r;
          });
          c.enqueue(new TextEncoder().encode("data: second\n\n"));
          c.close();
        },
      });
      const headers = new Headers({ "content-type": "text/event-stream" });
      headers.append("set-cookie", "a=1");
      headers.append("set-cookie", "b=2");
      void sendWebResponse(res, new Response(body, { status: 200, headers }));
    });
    const response = await fetch(url);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    // The first event arrives while the stream is still open.
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: first\n\n");
    release();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: second\n\n");
    expect((await reader.read()).done).toBe(true);
  });

  it("tells the handler when the client goes away before the answer, and not after", async () => {
    const signals: AbortSignal[] = [];
    const url = await serve((req, res) => {
      const signal = watchClient(res).signal;
      signals.push(signal);
      if (req.url === "/quick") sendJson(res, 200, { ok: true });
      // "/slow" never answers; the client gives up.
    });
    await (await fetch(`${url}/quick`)).json();
    const controller = new AbortController();
    const slow = fetch(`${url}/slow`, { signal: controller.signal }).catch(() => null);
    await expect.poll(() => signals.length).toBe(2);
    controller.abort();
    await slow;
    await expect.poll(() => signals[1]?.aborted).toBe(true);
    expect(signals[0]?.aborted).toBe(false);
  });

  it("a listener added after the client left hears it at once, as does a signal made then", async () => {
    const watches: ReturnType<typeof watchClient>[] = [];
    const url = await serve((_req, res) => {
      watches.push(watchClient(res)); // watched from the start; asked only later
    });
    const controller = new AbortController();
    const request = fetch(url, { signal: controller.signal }).catch(() => null);
    await expect.poll(() => watches.length).toBe(1);
    controller.abort();
    await request;
    await new Promise((r) => setTimeout(r, 50));
    let heard = 0;
    watches[0]?.whenGone(() => heard++);
    expect(heard).toBe(1);
    expect(watches[0]?.signal.aborted).toBe(true);
  });

  it("writes empty answers without a body", async () => {
    const url = await serve((_req, res) => sendJson(res, 202, undefined));
    const response = await fetch(url, { method: "POST", body: "{}" });
    expect(response.status).toBe(202);
    expect(await response.text()).toBe("");
  });
});
