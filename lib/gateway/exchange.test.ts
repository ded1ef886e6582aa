import { describe, expect, it } from "vitest";
import { exchangeFromRequest, toResponse } from "./exchange";

describe("the gateway exchange over a Fetch Request (the Next.js route)", () => {
  it("reads a body whole under the limit, and stops a little past it", async () => {
    const small = exchangeFromRequest(new Request("http://x/", { method: "POST", body: "hello" }));
    expect((await small.body(1024)).toString()).toBe("hello");
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(1000));
      },
    });
    const big = exchangeFromRequest(
      new Request("http://x/", { method: "POST", body: endless, duplex: "half" } as RequestInit),
    );
    const body = await big.body(4096);
    expect(body.length).toBeGreaterThan(4096);
    expect(body.length).toBeLessThanOrEqual(5000);
    expect(pulled).toBeLessThan(10);
  });

  it("turns JSON answers and empty ones into Responses", async () => {
    const json = toResponse({ status: 404, json: { error: "x" }, headers: { "X-A": "1" } });
    expect([json.status, json.headers.get("x-a"), await json.json()]).toEqual([404, "1", { error: "x" }]);
    const empty = toResponse({ status: 202 });
    expect([empty.status, await empty.text()]).toEqual([202, ""]);
  });
});
