import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { badTarget, parseTrustedProxies, requestEntry, securityHeaders } from "./request-entry.mjs";

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A real node:http server behind the entry check that echoes the headers the app would see. */
async function serve(trustedProxies?: string): Promise<string> {
  const entry = requestEntry({ trustedProxies });
  const server = http.createServer((req, res) => {
    if (!entry(req, res)) return;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(req.headers));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A raw request, so the target reaches the server byte for byte. */
function get(base: string, target: string, headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(base);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request({ hostname, port, path: target, headers }, (res) => {
      let body = "";
      res.on("data", (c) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const SPOOF = {
  "x-forwarded-host": "evil.example",
  "x-forwarded-proto": "https",
  "x-forwarded-port": "8443",
  "x-forwarded-for": "203.0.113.7",
  "x-real-ip": "203.0.113.8",
  forwarded: "for=203.0.113.9;host=evil.example;proto=https",
};

describe("forwarded headers at the app server's entry", () => {
  it("drops every forwarded header from a peer that is not a trusted proxy", async () => {
    for (const trusted of [undefined, "10.0.0.0/8, 192.168.1.1"]) {
      const base = await serve(trusted);
      const seen = JSON.parse((await get(base, "/", SPOOF)).body);
      expect(seen["x-forwarded-host"]).toBeUndefined();
      expect(seen["x-forwarded-proto"]).toBeUndefined();
      expect(seen["x-forwarded-port"]).toBeUndefined();
      expect(seen["x-real-ip"]).toBeUndefined();
      expect(seen.forwarded).toBeUndefined();
      // The one address the app keys the sign-in throttle by is the real peer.
      expect(seen["x-forwarded-for"]).toBe("127.0.0.1");
    }
  });

  it("believes a trusted proxy: the nearest host and scheme, and the client behind it", async () => {
    const base = await serve("127.0.0.1/32");
    const seen = JSON.parse(
      (
        await get(base, "/", {
          "x-forwarded-host": "evil.example, mcp.example.com",
          "x-forwarded-proto": "https",
          "x-forwarded-for": "198.51.100.1, 203.0.113.7",
          "x-real-ip": "198.51.100.2",
        })
      ).body,
    );
    expect(seen["x-forwarded-host"]).toBe("mcp.example.com");
    expect(seen["x-forwarded-proto"]).toBe("https");
    // Walking back from the trusted peer, the first untrusted address is the client.
    expect(seen["x-forwarded-for"]).toBe("203.0.113.7");
    expect(seen["x-real-ip"]).toBeUndefined();
  });

  it("walks back through several trusted proxies only", async () => {
    const base = await serve("loopback, 10.0.0.0/8");
    const seen = JSON.parse((await get(base, "/", { "x-forwarded-for": "198.51.100.1, 203.0.113.7, 10.1.2.3" })).body);
    expect(seen["x-forwarded-for"]).toBe("203.0.113.7");
  });

  it("stops the start on a list it cannot read", () => {
    expect(() => parseEnv({ ARCHESTRA_TRUSTED_PROXIES: "10.0.0.0/33" })).toThrow(/ARCHESTRA_TRUSTED_PROXIES/);
    expect(parseEnv({ ARCHESTRA_TRUSTED_PROXIES: "10.0.0.0/8, loopback" }).ARCHESTRA_TRUSTED_PROXIES).toBe(
      "10.0.0.0/8, loopback",
    );
  });

  it("refuses a list it cannot read, naming the variable", () => {
    expect(() => parseTrustedProxies("10.0.0.0/33")).toThrow(/ARCHESTRA_TRUSTED_PROXIES/);
    expect(() => parseTrustedProxies("proxy.internal")).toThrow(/ARCHESTRA_TRUSTED_PROXIES/);
    expect(parseTrustedProxies(" ")("127.0.0.1", 0)).toBe(false);
  });
});

describe("request targets with control characters", () => {
  it.each([
    "/signin?callbackUrl=%0d%0a/evil.example",
    "/signin?callbackUrl=/%00",
    "/signin?x=a%0Ab",
    "/api/mcp/a%0d%0ab",
    "/api/mcp/%00",
    "/api/mcp/team%0a",
    "/registry/%00",
    "/registry/a%09b",
    "/teams/%7f",
  ])("answers %s with a 400", async (target) => {
    expect(badTarget(target)).not.toBeNull();
    const base = await serve();
    const res = await get(base, target);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe("bad_request");
  });

  it.each([
    "/",
    "/signin?callbackUrl=%2Fteams%3Fa%3D1",
    "/api/mcp/my-gateway",
    "/registry/a%20b?q=tab+and+space",
    "/api/mcp/%E0%A4%A", // broken encoding: left to the layer that decodes it
  ])("lets %s through", (target) => {
    expect(badTarget(target)).toBeNull();
  });
});

describe("security headers", () => {
  it("are the four every answer gets, with HSTS only when the app is served over https", () => {
    const names = securityHeaders({}).map(([n]) => n.toLowerCase());
    expect(names).toEqual(["content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy"]);
    expect(securityHeaders({ secureCookies: "true" })).toContainEqual([
      "Strict-Transport-Security",
      "max-age=31536000",
    ]);
    expect(securityHeaders({ secureCookies: "false" }).map(([n]) => n)).not.toContain("Strict-Transport-Security");
    // Served over https by its public URL: HSTS too (so a cookie cannot be planted over plain http).
    expect(securityHeaders({ publicUrl: "https://mcp.example.com" }).map(([n]) => n)).toContain(
      "Strict-Transport-Security",
    );
    expect(securityHeaders({ publicUrl: "http://localhost:3000" }).map(([n]) => n)).not.toContain(
      "Strict-Transport-Security",
    );
  });

  it("reach the client, also on a refused target", async () => {
    const entry = requestEntry({ secureCookies: "true" });
    const server = http.createServer((req, res) => {
      if (!entry(req, res)) return;
      res.end("ok");
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    for (const target of ["/", "/api/mcp/%00"]) {
      const res = await fetch(`http://127.0.0.1:${port}${target}`);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(res.headers.get("strict-transport-security")).toBe("max-age=31536000");
    }
  });
});
