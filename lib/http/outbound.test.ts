import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NO_EXCEPTIONS, parseEgressAllow } from "./egress-policy";
import { EgressRefusedError, egressPolicyFor, OutboundError, outboundFetch } from "./outbound";

// Loopback servers only. A policy whose ceiling is "public" stands for a catalog entry on the
// internet: loopback is then more internal than it, and must not be reached.
type Served = { url: string; hits: string[]; close: () => Promise<void> };

async function serve(handler: http.RequestListener, host = "127.0.0.1"): Promise<Served> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe("the outbound client", () => {
  let target: Served;
  let hanging: Served;
  let big: Served;
  beforeAll(async () => {
    target = await serve((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'));
    hanging = await serve(() => {});
    big = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(64 * 1024, "a");
      for (let i = 0; i < 40; i++) res.write(chunk);
      res.end();
    });
  });
  afterAll(async () => {
    await Promise.all([target, hanging, big].map((s) => s?.close()));
  });

  it("reaches a loopback server when the catalog entry is on loopback", async () => {
    const policy = await egressPolicyFor(`${target.url}/mcp`, NO_EXCEPTIONS);
    expect(policy.ceiling).toBe("loopback");
    const res = await outboundFetch({ policy })(`${target.url}/x`);
    expect(await res.json()).toEqual({ ok: true });
    expect(res.url).toBe(`${target.url}/x`);
  });

  it("refuses loopback for a public entry, by address and by name, before sending anything", async () => {
    const fetchFn = outboundFetch({ policy: { ceiling: "public", allow: NO_EXCEPTIONS } });
    const before = target.hits.length;
    const literal = await fetchFn(`${target.url}/x`, { method: "POST", body: "{}" }).catch((e) => e);
    expect(literal).toBeInstanceOf(EgressRefusedError);
    expect(literal.message).toMatch(/127\.0\.0\.1.*loopback.*ARCHESTRA_EGRESS_ALLOW/);
    // By name: refused on the address DNS returned, at connect time.
    const port = new URL(target.url).port;
    const named = await fetchFn(`http://localhost:${port}/x`).catch((e) => e);
    expect(named).toBeInstanceOf(EgressRefusedError);
    expect(named.message).toMatch(/localhost \((127\.0\.0\.1|::1)\)/);
    expect(target.hits.length).toBe(before);
  });

  it("checks every redirect: an allowed host cannot bounce the request to a refused one", async () => {
    const bouncer = await serve(
      (_req, res) => res.writeHead(302, { location: `${target.url}/inside` }).end(),
      "127.0.0.2",
    );
    try {
      const before = target.hits.length;
      // The bouncer's address is an admin's exception; the target's is not.
      const fetchFn = outboundFetch({ policy: { ceiling: "public", allow: parseEgressAllow("127.0.0.2") } });
      const err = await fetchFn(`${bouncer.url}/start`).catch((e) => e);
      expect(err).toBeInstanceOf(EgressRefusedError);
      expect(bouncer.hits).toEqual(["GET /start"]);
      expect(target.hits.length).toBe(before);
      // With both allowed the redirect is followed.
      const both = outboundFetch({ policy: { ceiling: "public", allow: parseEgressAllow("127.0.0.0/8") } });
      expect((await both(`${bouncer.url}/start`)).status).toBe(200);
      expect(target.hits.at(-1)).toBe("GET /inside");
      // A caller that asks for redirects unfollowed (found in review: a client ID metadata
      // document that redirects elsewhere) gets the redirect, and nothing is fetched from it.
      const hits = target.hits.length;
      const manual = await both(`${bouncer.url}/start`, { redirect: "manual" });
      expect(manual.status).toBe(302);
      expect(manual.headers.get("location")).toBe(`${target.url}/inside`);
      expect(target.hits.length).toBe(hits);
    } finally {
      await bouncer.close();
    }
  });

  it("caps redirects", async () => {
    const loop = await serve((req, res) => res.writeHead(302, { location: `${req.url}x` }).end());
    try {
      const fetchFn = outboundFetch({ policy: { ceiling: "loopback", allow: NO_EXCEPTIONS } });
      await expect(fetchFn(`${loop.url}/a`)).rejects.toThrow(/redirected more than 5 times/);
      expect(loop.hits.length).toBe(6);
    } finally {
      await loop.close();
    }
  });

  it("gives up on a server that never answers, with a clear error", async () => {
    const fetchFn = outboundFetch({ policy: { ceiling: "loopback", allow: NO_EXCEPTIONS }, timeoutMs: 300 });
    const started = Date.now();
    const err = await fetchFn(`${hanging.url}/token`, { method: "POST", body: "x" }).catch((e) => e);
    expect(err).toBeInstanceOf(OutboundError);
    expect(err.message).toBe(`${hanging.url} did not answer within 0.3 s.`);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("reads no more than the cap", async () => {
    const fetchFn = outboundFetch({ policy: { ceiling: "loopback", allow: NO_EXCEPTIONS } });
    await expect(fetchFn(`${big.url}/`)).rejects.toThrow(/answered more than 1024 KiB/);
  });
});
