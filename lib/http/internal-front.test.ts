import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ForwardedFrom } from "@/lib/orchestrator/handle-forwarded";
import {
  NonceCache,
  type ReplicaCaller,
  replicaSigningKey,
  signReplicaRequest,
} from "@/lib/orchestrator/replica-signature";
import { type InternalDeps, serveInternal } from "./internal-front";

// The internal listener as scripts/server.mjs runs it, over real HTTP, with the replica routes'
// handlers replaced by recorders: what reaches them is what the signature check let through.
const SECRET = "q".repeat(40);
const INSTANCE = "7f0c7c3e-1111-4222-8333-944444444444";
const PATH = `/api/internal/instances/${INSTANCE}/mcp`;
const caller: ReplicaCaller = {
  tokenId: "tok-1",
  tokenKind: "user",
  userId: "user-1",
  teamId: null,
  gatewayId: "gw-1",
};
const BODY = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "read_graph" } });

let server: http.Server;
let base = "";
let replicaUrl: string | undefined;
let forwarded: { id: string; sender: ForwardedFrom; body: unknown }[] = [];
let replies: unknown[] = [];

beforeAll(async () => {
  const nonces = new NonceCache();
  server = http.createServer((req, res) => {
    const deps: InternalDeps = {
      replicaUrl,
      key: replicaSigningKey(SECRET),
      nonces,
      metrics: async () => new Response('mcp_gateway_tool_calls_total{gateway="platform-private"} 1\n'),
      forwarded: async (_request, id, sender, body) => {
        forwarded.push({ id, sender, body });
        return Response.json({ jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "the secret" }] } });
      },
      reply: (body) => {
        replies.push(body);
        return new Response(null, { status: 202 });
      },
      resume: async () => Response.json({ kind: "failed", message: "not in this test" }),
    };
    void serveInternal(req, res, deps);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  replicaUrl = base;
  forwarded = [];
  replies = [];
});

const signed = (opts: { path?: string; body?: string; method?: string; caller?: ReplicaCaller; now?: number } = {}) =>
  signReplicaRequest(
    replicaSigningKey(SECRET),
    {
      method: opts.method ?? "POST",
      to: base,
      path: opts.path ?? PATH,
      body: opts.body ?? BODY,
      from: "http://127.0.0.1:1",
      caller: "caller" in opts ? opts.caller : caller,
    },
    opts.now,
  );

const post = (headers: Record<string, string>, body = BODY, path = PATH) =>
  fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body,
  });

describe("the internal listener", () => {
  it("refuses the issue's attack: a computed old-style proof with no token reaches no instance", async () => {
    const proof = createHmac("sha256", SECRET).update(`forward:${INSTANCE}`).digest("base64url");
    const r = await post({ "x-replica-proof": proof, "x-replica-origin": "http://127.0.0.1:1" });
    expect(r.status).toBe(403);
    expect(await r.text()).not.toContain("the secret");
    expect(forwarded).toEqual([]);
  });

  it("serves a request another replica signed, with its authenticated caller", async () => {
    const r = await post(signed());
    expect(r.status).toBe(200);
    expect(await r.text()).toContain("the secret");
    expect(forwarded).toEqual([
      { id: INSTANCE, sender: { from: "http://127.0.0.1:1", caller }, body: JSON.parse(BODY) },
    ]);
  });

  it("refuses the same signed request twice, and one older than the window", async () => {
    const headers = signed();
    expect((await post(headers)).status).toBe(200);
    expect((await post(headers)).status).toBe(403);
    expect((await post(signed({ now: Date.now() - 90_000 }))).status).toBe(403);
    expect(forwarded).toHaveLength(1);
  });

  it("refuses an altered body, path or method", async () => {
    const headers = signed();
    expect((await post(headers, BODY.replace("read_graph", "delete_entities"))).status).toBe(403);
    const other = `/api/internal/instances/${INSTANCE.replace("7f0c", "8f0c")}/mcp`;
    expect((await post(headers, BODY, other)).status).toBe(403);
    const get = await fetch(`${base}${PATH}`, { headers: { ...headers, accept: "text/event-stream" } });
    expect(get.status).toBe(403);
    expect(forwarded).toEqual([]);
  });

  it("has no replica routes when this replica has no replica address (404), signed or not", async () => {
    replicaUrl = undefined;
    expect((await post(signed())).status).toBe(404);
    const relay = await post(signed({ path: "/api/internal/relay" }), BODY, "/api/internal/relay");
    expect(relay.status).toBe(404);
    expect(forwarded).toEqual([]);
  });

  it("relays a signed reply, and nothing unsigned", async () => {
    const body = JSON.stringify({ principal: "tok-1", reply: { id: "r1", result: {} } });
    expect((await post({}, body, "/api/internal/relay")).status).toBe(403);
    const r = await post(signed({ path: "/api/internal/relay", body, caller: undefined }), body, "/api/internal/relay");
    expect(r.status).toBe(202);
    expect(replies).toEqual([JSON.parse(body)]);
  });

  it("serves metrics without a token, and nothing else (the UI, the gateway)", async () => {
    const metrics = await fetch(`${base}/api/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("platform-private");
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/api/mcp/main`, { method: "POST" })).status).toBe(404);
  });
});
