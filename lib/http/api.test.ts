import { describe, expect, it } from "vitest";
import { api, apiNotFound, readJson } from "./api";

const echo = api(async (request: Request) => Response.json(await readJson(request)));

/** A body sent without a length, in chunks, as a client streaming it would. */
function streamed(bytes: number): Request {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      const next = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
      sent += next.length;
      controller.enqueue(next);
    },
  });
  return new Request("http://app.test/api/v1/teams", { method: "POST", body, duplex: "half" } as RequestInit);
}

describe("API request bodies", () => {
  it("answer a body over 1 MiB with 413 in the API's error shape, whether its length is declared or not", async () => {
    const big = `{"name":"${"x".repeat(1024 * 1024)}"}`;
    const declared = await echo(
      new Request("http://app.test/api/v1/teams", {
        method: "POST",
        body: big,
        headers: { "content-type": "application/json" },
      }),
      undefined,
    );
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({
      error: { code: "payload_too_large", message: "The request body is larger than the 1 MiB this API accepts." },
    });
    const undeclared = await echo(streamed(8 * 1024 * 1024), undefined);
    expect(undeclared.status).toBe(413);
    expect((await undeclared.json()).error.code).toBe("payload_too_large");
  });

  it("take a body of up to 1 MiB, counted in bytes; bad JSON stays a 400", async () => {
    const name = "é".repeat(400 * 1024); // 800 KiB of UTF-8 in 400 Ki characters
    const ok = await echo(
      new Request("http://app.test/x", { method: "POST", body: JSON.stringify({ name }) }),
      undefined,
    );
    expect(ok.status).toBe(200);
    expect((await ok.json()).name).toBe(name);
    const overInBytes = await echo(
      new Request("http://app.test/x", { method: "POST", body: JSON.stringify({ name: "é".repeat(600 * 1024) }) }),
      undefined,
    );
    expect(overInBytes.status).toBe(413);
    const bad = await echo(new Request("http://app.test/x", { method: "POST", body: "{nope" }), undefined);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toEqual({ code: "bad_request", message: "The request body is not valid JSON." });
  });
});

describe("unknown API paths", () => {
  it("answer every method with a JSON 404 in the API's error shape", async () => {
    for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
      const response = await apiNotFound(new Request("http://app.test/api/v1/nope/deeper?x=1", { method }), undefined);
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toContain("application/json");
      expect(await response.json()).toEqual({
        error: { code: "not_found", message: `There is no API endpoint ${method} /api/v1/nope/deeper.` },
      });
    }
  });

  it("are what the catch-all route answers, for every method", async () => {
    const route = await import("@/app/api/v1/[...path]/route");
    for (const handler of [route.GET, route.HEAD, route.POST, route.PUT, route.PATCH, route.DELETE, route.OPTIONS])
      expect(handler).toBe(apiNotFound);
  });
});
