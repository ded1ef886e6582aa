import { createHash, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { sameSecret } from "@/lib/crypto";
import type { TokenCaller } from "@/lib/tokens/authenticate-token";

/**
 * How replicas prove to each other that a request on the internal listener comes from one of
 * them, now, once: an HMAC (with a key derived for this purpose only) of the method, the target
 * replica, the path, the body's hash, the time, a nonce, the sending replica and the caller on
 * whose behalf it is sent. A request older than the window, replayed, altered, sent to another
 * replica or made without the key is refused.
 */
export const REPLICA_SIGNATURE_WINDOW_SECONDS = 60;

const VERSION = "v1";
const NONCE = /^[A-Za-z0-9_-]{22}$/;
const SIGNATURE = /^v1 t=(\d{1,12}) n=([A-Za-z0-9_-]{22}) sig=([A-Za-z0-9_-]{43})$/;

/** The person or token a forwarded call is made for, as the forwarding replica authenticated them, and at which gateway. */
export interface ReplicaCaller extends TokenCaller {
  gatewayId: string | null;
}

/** What a replica signs and the other checks. */
export interface ReplicaRequest {
  method: string;
  /** Origin of the replica the request is sent to (its ARCHESTRA_REPLICA_URL). */
  to: string;
  /** Path and query as sent. */
  path: string;
  body: string | Uint8Array | undefined;
  /** The sending replica's own address (its ARCHESTRA_REPLICA_URL). */
  from: string;
  caller?: ReplicaCaller;
}

export const REPLICA_HEADERS = {
  signature: "x-replica-signature",
  origin: "x-replica-origin",
  caller: "x-replica-caller",
} as const;

/** The signing key, derived from the shared auth secret for this use alone (HKDF-SHA256). */
export function replicaSigningKey(authSecret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", authSecret, "mcp-orchestrator", "replica request signature v1", 32));
}

const originOf = (url: string): string => {
  try {
    return new URL(url).origin;
  } catch {
    return "";
  }
};

function mac(
  key: Buffer,
  parts: {
    method: string;
    to: string;
    path: string;
    t: string;
    nonce: string;
    from: string;
    caller: string;
    body: ReplicaRequest["body"];
  },
): string {
  const bodyHash = createHash("sha256")
    .update(parts.body ?? "")
    .digest("hex");
  const canonical = JSON.stringify([
    VERSION,
    parts.method.toUpperCase(),
    originOf(parts.to),
    parts.path,
    parts.t,
    parts.nonce,
    parts.from,
    parts.caller,
    bodyHash,
  ]);
  return createHmac("sha256", key).update(canonical).digest("base64url");
}

const encodeCaller = (caller: ReplicaCaller | undefined): string =>
  caller ? Buffer.from(JSON.stringify(caller)).toString("base64url") : "";

/** The headers that authenticate one request to another replica. */
export function signReplicaRequest(
  key: Buffer,
  request: ReplicaRequest,
  now = Date.now(),
  nonce = randomBytes(16).toString("base64url"),
): Record<string, string> {
  const t = String(Math.floor(now / 1000));
  const caller = encodeCaller(request.caller);
  const sig = mac(key, { ...request, t, nonce, caller });
  return {
    [REPLICA_HEADERS.signature]: `${VERSION} t=${t} n=${nonce} sig=${sig}`,
    [REPLICA_HEADERS.origin]: request.from,
    ...(caller ? { [REPLICA_HEADERS.caller]: caller } : {}),
  };
}

/**
 * Nonces seen within the window, so a signed request is served once. Only requests whose
 * signature checked are remembered, so filling it needs the key; past `max` it refuses rather
 * than forgetting a nonce still inside the window.
 */
export class NonceCache {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs = 2 * REPLICA_SIGNATURE_WINDOW_SECONDS * 1000,
    private readonly max = 500_000,
  ) {}

  /** True when the nonce is new (and now remembered); false for a replay or when full. */
  admit(nonce: string, now = Date.now()): boolean {
    for (const [n, expires] of this.seen) {
      if (expires > now) break;
      this.seen.delete(n);
    }
    if (this.seen.has(nonce) || this.seen.size >= this.max) return false;
    this.seen.set(nonce, now + this.ttlMs);
    return true;
  }
}

export type VerifiedReplicaRequest =
  | { ok: true; from: string; caller: ReplicaCaller | null }
  | { ok: false; reason: string };

export interface VerifyOptions {
  key: Buffer;
  nonces: NonceCache;
  now?: number;
}

const header = (headers: Headers, name: string): string | null => headers.get(name);

function decodeCaller(raw: string): ReplicaCaller | null {
  try {
    const c = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as ReplicaCaller;
    const str = (v: unknown) => typeof v === "string" && v.length > 0 && v.length <= 200;
    const strOrNull = (v: unknown) => v === null || str(v);
    if (
      str(c.tokenId) &&
      ["user", "team", "org"].includes(c.tokenKind) &&
      strOrNull(c.userId) &&
      strOrNull(c.teamId) &&
      strOrNull(c.gatewayId)
    )
      return {
        tokenId: c.tokenId,
        tokenKind: c.tokenKind,
        userId: c.userId,
        teamId: c.teamId,
        gatewayId: c.gatewayId,
      };
  } catch {
    // Not a caller.
  }
  return null;
}

/**
 * Checks a request that arrived at this replica (`to`, its own address) on the internal
 * listener. The nonce is spent only when everything else holds.
 */
export function verifyReplicaRequest(
  request: { method: string; to: string; path: string; body: ReplicaRequest["body"]; headers: Headers },
  options: VerifyOptions,
): VerifiedReplicaRequest {
  const now = options.now ?? Date.now();
  const match = SIGNATURE.exec(header(request.headers, REPLICA_HEADERS.signature) ?? "");
  if (!match) return { ok: false, reason: "missing or malformed replica signature" };
  const [, t = "", nonce = "", sig = ""] = match;
  const from = header(request.headers, REPLICA_HEADERS.origin) ?? "";
  const rawCaller = header(request.headers, REPLICA_HEADERS.caller) ?? "";
  if (!NONCE.test(nonce)) return { ok: false, reason: "malformed nonce" };
  const expected = mac(options.key, { ...request, t, nonce, from, caller: rawCaller });
  if (!sameSecret(sig, expected)) return { ok: false, reason: "bad replica signature" };
  if (Math.abs(now / 1000 - Number(t)) > REPLICA_SIGNATURE_WINDOW_SECONDS)
    return { ok: false, reason: "replica signature outside its time window" };
  const caller = rawCaller ? decodeCaller(rawCaller) : null;
  if (rawCaller && !caller) return { ok: false, reason: "malformed caller" };
  if (!options.nonces.admit(nonce, now)) return { ok: false, reason: "replayed replica request" };
  return { ok: true, from, caller };
}
