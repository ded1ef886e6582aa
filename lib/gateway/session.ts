import { createHmac, randomBytes } from "node:crypto";
import { sameSecret } from "@/lib/crypto";
import { sharedCache } from "@/lib/ttl-cache";

/**
 * Gateway sessions without server state: the `Mcp-Session-Id` given at initialize is a signed
 * note of who initialized, at which gateway, and what the client said it can do. Any replica
 * reads it back; a session id that was altered, is used with another token or gateway, or is older
 * than SESSION_MAX_AGE_MS, is unknown (404, and the client initializes again). The age limit is
 * what lets ended sessions be forgotten (ended-sessions.ts).
 */
export const SESSION_MAX_AGE_MS = 30 * 86_400_000;
export interface GatewaySession {
  tokenId: string;
  gatewayId: string;
  /** What the client can be asked during a call (`url`: elicitation in URL mode). */
  can: { sampling: boolean; elicitation: boolean; roots: boolean; url: boolean };
}

/** Token id, gateway id, capabilities, a nonce, and when it was issued (seconds since the epoch). */
type Payload = { t: string; g: string; c: string; n: string; i: number };

const sign = (secret: string, data: string) =>
  createHmac("sha256", secret).update(`session:${data}`).digest("base64url");

export function issueSession(secret: string, session: GatewaySession, now = Date.now()): string {
  const c = (["sampling", "elicitation", "roots", "url"] as const).filter((k) => session.can[k]).join(",");
  const payload: Payload = {
    t: session.tokenId,
    g: session.gatewayId,
    c,
    n: randomBytes(9).toString("base64url"),
    i: Math.floor(now / 1000),
  };
  const data = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return `${data}.${sign(secret, data)}`;
}

/** Session ids whose signature was checked (a client sends the same id with every request). */
const verified = sharedCache<string, Payload>("gateway.sessions", 10 * 60_000);

function verify(secret: string, id: string): Payload | null {
  const [data, mac, extra] = id.split(".");
  if (!data || !mac || extra !== undefined) return null;
  if (!sameSecret(mac, sign(secret, data))) return null;
  try {
    return JSON.parse(Buffer.from(data, "base64url").toString()) as Payload;
  } catch {
    return null;
  }
}

export function readSession(
  secret: string,
  id: string,
  tokenId: string,
  gatewayId: string,
  now = Date.now(),
): GatewaySession | null {
  const key = `${secret}\u0000${id}`;
  let payload = verified().get(key);
  if (!payload) {
    const checked = verify(secret, id);
    if (!checked) return null;
    payload = verified().set(key, checked);
  }
  if (payload.t !== tokenId || payload.g !== gatewayId) return null;
  if (typeof payload.i !== "number" || now - payload.i * 1000 > SESSION_MAX_AGE_MS) return null;
  const can = new Set(payload.c.split(","));
  return {
    tokenId,
    gatewayId,
    can: {
      sampling: can.has("sampling"),
      elicitation: can.has("elicitation"),
      roots: can.has("roots"),
      url: can.has("url"),
    },
  };
}

/** Whether the session's client can be asked anything during a call. */
export const canBeAsked = (session: GatewaySession) =>
  session.can.sampling || session.can.elicitation || session.can.roots;

/** What a client declared in `initialize`, as session capabilities. */
export function declaredCapabilities(capabilities: unknown): GatewaySession["can"] {
  const c = (capabilities ?? {}) as Record<string, unknown>;
  const elicitation = c.elicitation as { url?: unknown } | null | undefined;
  return {
    sampling: c.sampling != null,
    elicitation: elicitation != null,
    roots: c.roots != null,
    url: elicitation?.url != null,
  };
}
