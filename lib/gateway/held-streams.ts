import type { Database } from "@/db";
import { AppError } from "@/lib/errors";
import { processGlobal } from "@/lib/process-global";
import type { TokenPrincipal } from "@/lib/tokens/authenticate-token";
import { gatewayCaller } from "./caller";
import { sessionEnded } from "./ended-sessions";
import { canUseGateway, type Gateway } from "./gateway-access";
import { callerCache } from "./hot-path-cache";

/**
 * The long-lived streams a caller holds open on this replica: a 2025 session's GET event stream
 * and a 2026-07-28 `subscriptions/listen` stream. Both are counted against one limit per token
 * (ARCHESTRA_GATEWAY_MAX_STREAMS_PER_TOKEN: one more is refused), and both end when their caller
 * loses the right to them: the caller's right is checked again every second (a revoked token, a
 * caller who may no longer use the gateway, an ended session).
 */
export interface HeldStream {
  /** Aborts when the stream must end: the client left, the caller lost the right, or it was released. */
  readonly signal: AbortSignal;
  /** The stream has ended: it no longer counts. */
  release(): void;
}

export interface HoldOptions {
  tokenId: string;
  /** The client's request: the stream ends when the client goes away. */
  signal: AbortSignal;
  /** Whether the caller may still hold the stream (a "no" ends it; a failed check keeps it). */
  stillAllowed: () => Promise<boolean>;
  maxPerToken: number;
  /** The subscription session the stream delivers updates for (its subscriptions are in use). */
  session?: string | null;
}

const RECHECK_MS = 1000;

type Holder = { tokenId: string; session: string | null };
const held = () => processGlobal("gateway-held-streams", () => new Map<HeldStream, Holder>());

/** The streams a token holds open on this replica. */
export function streamsOfToken(tokenId: string): number {
  let n = 0;
  for (const holder of held().values()) if (holder.tokenId === tokenId) n++;
  return n;
}

/** Sessions with a stream open on this replica (their subscriptions are in use). */
export function sessionsWithStreams(): Set<string> {
  const sessions = new Set<string>();
  for (const holder of held().values()) if (holder.session) sessions.add(holder.session);
  return sessions;
}

/** Holds a stream for the token, or null when it already holds as many as it may. */
export function holdStream(options: HoldOptions): HeldStream | null {
  const { tokenId, signal, stillAllowed } = options;
  // Counted and registered in the same turn, so requests arriving together cannot all pass.
  if (streamsOfToken(tokenId) >= options.maxPerToken) return null;
  const controller = new AbortController();
  let recheck: NodeJS.Timeout | undefined;
  const stream: HeldStream = {
    signal: controller.signal,
    release: () => {
      if (!held().delete(stream)) return;
      clearTimeout(recheck);
      signal.removeEventListener("abort", stream.release);
      controller.abort();
    },
  };
  held().set(stream, { tokenId, session: options.session ?? null });
  // One check at a time, the next a second after the last one answered. A check that fails (the
  // database is briefly away) keeps the stream; a "no" ends it.
  const scheduleCheck = () => {
    recheck = setTimeout(() => {
      void stillAllowed()
        .then(
          (ok) => ok || stream.release(),
          () => {},
        )
        .finally(() => controller.signal.aborted || scheduleCheck());
    }, RECHECK_MS);
    recheck.unref?.();
  };
  if (signal.aborted) stream.release();
  else {
    signal.addEventListener("abort", stream.release, { once: true });
    scheduleCheck();
  }
  return stream;
}

/** The answer a Fetch stream gives, releasing `stream` when the body ends or its reader cancels. */
export function releasedWhenDone(response: Response, stream: HeldStream): Response {
  if (!response.body) {
    stream.release();
    return response;
  }
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          stream.release();
          controller.close();
        } else controller.enqueue(value);
      } catch {
        stream.release();
        controller.close();
      }
    },
    cancel(reason) {
      stream.release();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}

/**
 * Whether the holder of the token `authenticate` checks may still use the gateway (and, for a 2025 session's stream,
 * whether the session is still open): the recheck of every held stream.
 */
export async function stillMayUse(
  db: Database,
  authenticate: () => TokenPrincipal | null | Promise<TokenPrincipal | null>,
  gateway: Pick<Gateway, "owner_team_id">,
  sessionId: string | null,
): Promise<boolean> {
  if (sessionId && (await sessionEnded(db, sessionId))) return false;
  const now = await authenticate();
  if (!now) return false;
  try {
    const caller = await callerCache().read(now.token.id, () => gatewayCaller(db, now));
    return canUseGateway(caller.viewer, gateway);
  } catch (err) {
    // A token that names no caller any more loses its streams; a failed read keeps them.
    if (err instanceof AppError) return false;
    throw err;
  }
}

/** The refusal when a token holds as many streams as it may. */
export const tooManyStreamsMessage = (max: number) =>
  `Too many open streams: this token already holds ${max} on this server (ARCHESTRA_GATEWAY_MAX_STREAMS_PER_TOKEN). Close one (end unused sessions or listen streams) and try again.`;
