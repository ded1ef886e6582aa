import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  NonceCache,
  REPLICA_HEADERS,
  type ReplicaCaller,
  replicaSigningKey,
  signReplicaRequest,
  verifyReplicaRequest,
} from "./replica-signature";

const SECRET = "s".repeat(40);
const key = replicaSigningKey(SECRET);
const B = "http://10.0.0.2:3001";
const A = "http://10.0.0.1:3001";
const PATH = "/api/internal/instances/7f0c7c3e-1111-4222-8333-944444444444/mcp";
const BODY = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "read_graph" } });
const caller: ReplicaCaller = {
  tokenId: "tok-1",
  tokenKind: "user",
  userId: "user-1",
  teamId: null,
  gatewayId: "gw-1",
};
const NOW = 1_800_000_000_000;

const signed = (overrides: Partial<{ now: number; nonce: string }> = {}) =>
  new Headers(
    signReplicaRequest(
      key,
      { method: "POST", to: B, path: PATH, body: BODY, from: A, caller },
      overrides.now ?? NOW,
      overrides.nonce,
    ),
  );

const verify = (
  headers: Headers,
  request: Partial<{ method: string; to: string; path: string; body: string }> = {},
  options: Partial<{ now: number; nonces: NonceCache; key: Buffer }> = {},
) =>
  verifyReplicaRequest(
    { method: "POST", to: B, path: PATH, body: BODY, headers, ...request },
    { key: options.key ?? key, nonces: options.nonces ?? new NonceCache(), now: options.now ?? NOW },
  );

describe("replica request signatures", () => {
  it("accepts a request another replica signed, with its sender and caller", () => {
    expect(verify(signed())).toEqual({ ok: true, from: A, caller });
  });

  it("refuses the old proof: an HMAC of a fixed string and the instance id, computed by anyone with the secret", () => {
    // The attack of issue 11 (finding 6): no time, no body, no nonce, and no signature header.
    const proof = createHmac("sha256", SECRET)
      .update("forward:7f0c7c3e-1111-4222-8333-944444444444")
      .digest("base64url");
    const headers = new Headers({ "x-replica-proof": proof, [REPLICA_HEADERS.origin]: A });
    expect(verify(headers)).toMatchObject({ ok: false, reason: "missing or malformed replica signature" });
    // Nor is the auth secret itself the signing key: a signature made with it is refused.
    const withRawSecret = new Headers(
      signReplicaRequest(Buffer.from(SECRET), { method: "POST", to: B, path: PATH, body: BODY, from: A, caller }, NOW),
    );
    expect(verify(withRawSecret)).toMatchObject({ ok: false, reason: "bad replica signature" });
  });

  it("serves a signed request once: the same signature again is a replay", () => {
    const nonces = new NonceCache();
    const headers = signed();
    expect(verify(headers, {}, { nonces }).ok).toBe(true);
    expect(verify(headers, {}, { nonces, now: NOW + 5_000 })).toMatchObject({
      ok: false,
      reason: "replayed replica request",
    });
  });

  it("refuses a request signed more than a minute before or after now", () => {
    expect(verify(signed({ now: NOW - 61_000 }))).toMatchObject({
      ok: false,
      reason: "replica signature outside its time window",
    });
    expect(verify(signed({ now: NOW + 61_000 }))).toMatchObject({
      ok: false,
      reason: "replica signature outside its time window",
    });
    expect(verify(signed({ now: NOW - 59_000 })).ok).toBe(true);
  });

  it("refuses an altered body, path, method, target replica, sender or caller", () => {
    expect(verify(signed(), { body: BODY.replace("read_graph", "delete_entities") }).ok).toBe(false);
    expect(verify(signed(), { path: PATH.replace("7f0c", "8f0c") }).ok).toBe(false);
    expect(verify(signed(), { method: "GET" }).ok).toBe(false);
    // Signed for replica B, replayed to replica C (whose nonce cache has not seen it).
    expect(verify(signed(), { to: "http://10.0.0.3:3001" }).ok).toBe(false);
    const otherSender = signed();
    otherSender.set(REPLICA_HEADERS.origin, "http://10.0.0.9:3001");
    expect(verify(otherSender).ok).toBe(false);
    const otherCaller = signed();
    otherCaller.set(
      REPLICA_HEADERS.caller,
      Buffer.from(JSON.stringify({ ...caller, tokenId: "someone-else" })).toString("base64url"),
    );
    expect(verify(otherCaller)).toMatchObject({ ok: false, reason: "bad replica signature" });
    const noCaller = signed();
    noCaller.delete(REPLICA_HEADERS.caller);
    expect(verify(noCaller).ok).toBe(false);
  });

  it("does not spend a nonce on a request that fails its check", () => {
    const nonces = new NonceCache();
    const headers = signed();
    expect(verify(headers, { body: "{}" }, { nonces }).ok).toBe(false);
    expect(verify(headers, {}, { nonces }).ok).toBe(true);
  });

  it("forgets nonces after the window, and refuses rather than forgets when full", () => {
    const nonces = new NonceCache(1000, 2);
    expect(nonces.admit("a", 0)).toBe(true);
    expect(nonces.admit("b", 10)).toBe(true);
    expect(nonces.admit("c", 20)).toBe(false);
    expect(nonces.admit("a", 500)).toBe(false);
    expect(nonces.admit("c", 1005)).toBe(true);
    expect(nonces.admit("d", 1005)).toBe(false);
    expect(nonces.admit("a", 1011)).toBe(true);
  });
});
