import { randomUUID } from "node:crypto";
import type { ClientChannel, RelayMessage } from "@/lib/mcp/relay/inflight";
import { processGlobal } from "@/lib/process-global";

/**
 * A 2025 server asks its client things during a call (sampling, elicitation, roots); a
 * 2026-07-28 caller cannot be asked on a stream. The gateway bridges: the call is parked here,
 * the caller gets an `input_required` result naming the questions, and the caller's retry (on
 * this replica or forwarded here by another, bridge-routing.ts) answers them, after which the
 * call goes on to its result or its next question. A parked call nobody comes back to is
 * cancelled after the call's time.
 */

export type ParkedOutcome =
  | { kind: "done"; result: Record<string, unknown> }
  | { kind: "ask"; inputRequests: Record<string, RelayMessage> }
  | { kind: "failed"; message: string };

interface Ask {
  request: RelayMessage;
  resolve(result: Record<string, unknown>): void;
  reject(err: Error): void;
}

const parked = () => processGlobal("parked-calls", () => new Map<string, ParkedCall>());

/**
 * The most calls one replica keeps parked at once, and one token of them: a call that would park
 * beyond either is given up with a message saying so (memory a caller can hold without an open
 * request is bounded).
 */
export const MAX_PARKED = 1000;
export const MAX_PARKED_PER_TOKEN = 50;

function parkedOf(principal: string): number {
  let n = 0;
  for (const call of parked().values()) if (call.principal === principal) n++;
  return n;
}

export class ParkedCall {
  readonly id = randomUUID();
  /** Aborts the upstream call: when the caller goes away first, or nobody comes back in time. */
  readonly controller = new AbortController();
  private readonly asks = new Map<string, Ask>();
  private outcome?: ParkedOutcome;
  private wake?: () => void;
  private asked = 0;
  private expiry?: NodeJS.Timeout;
  /** Where notifications of the call go while a request of the caller's is open. */
  notify: (message: RelayMessage) => void = () => {};

  constructor(
    readonly principal: string,
    readonly tool: string,
    private readonly timeoutMs: number,
  ) {}

  /** The way back to the caller, for the relay: questions wait for the caller's next round. */
  channel(can?: ClientChannel["can"]): ClientChannel {
    return {
      principal: this.principal,
      can,
      request: (request, signal) =>
        new Promise((resolve, reject) => {
          const key = `q${++this.asked}`;
          this.asks.set(key, { request, resolve, reject });
          signal?.addEventListener("abort", () => {
            this.asks.delete(key);
            reject(new Error("The server gave up on its question."));
          });
          this.wake?.();
        }),
      notify: (message) => this.notify(message),
      flush: async () => {},
    };
  }

  /** The call has ended: what its next round reports. */
  settle(outcome: ParkedOutcome): void {
    this.outcome = outcome;
    this.wake?.();
  }

  /** Gives the caller's answers to the questions they answer (a missing one is asked again). */
  answer(inputResponses: Record<string, unknown> | undefined): void {
    for (const [key, ask] of this.asks) {
      const response = inputResponses?.[key];
      if (response === undefined || response === null || typeof response !== "object") continue;
      this.asks.delete(key);
      ask.resolve(response as Record<string, unknown>);
    }
  }

  /**
   * The call's result once it ends, or the questions waiting for the caller, whichever comes
   * first; gives up with the call when `signal` aborts (the caller went away mid-round).
   */
  async next(signal?: AbortSignal): Promise<ParkedOutcome> {
    // One round at a time: a second retry while one waits would leave the first unanswered.
    if (this.wake) return { kind: "failed", message: "This call is already being resumed by another request." };
    clearTimeout(this.expiry);
    const ready = () => this.outcome !== undefined || this.asks.size > 0;
    if (!ready())
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        signal?.addEventListener("abort", () => resolve(), { once: true });
      });
    this.wake = undefined;
    if (this.outcome) {
      this.forget();
      return this.outcome;
    }
    if (signal?.aborted) {
      this.cancel("the caller went away");
      return { kind: "failed", message: "The caller went away." };
    }
    if (!parked().has(this.id)) {
      const full =
        parked().size >= MAX_PARKED
          ? "this server"
          : parkedOf(this.principal) >= MAX_PARKED_PER_TOKEN
            ? "this token"
            : null;
      if (full) {
        const message = `Too many calls of ${full} are waiting for answers (${full === "this server" ? MAX_PARKED : MAX_PARKED_PER_TOKEN}): answer or abandon them, then call the tool again.`;
        this.cancel("too many calls wait for answers");
        return { kind: "failed", message };
      }
    }
    // Waiting for the caller's next round, for as long as a call may last.
    this.expiry = setTimeout(() => this.cancel("nobody answered in time"), this.timeoutMs);
    this.expiry.unref?.();
    parked().set(this.id, this);
    return {
      kind: "ask",
      inputRequests: Object.fromEntries([...this.asks].map(([key, ask]) => [key, ask.request])),
    };
  }

  private cancel(reason: string): void {
    for (const ask of this.asks.values()) ask.reject(new Error(`The call was given up: ${reason}.`));
    this.asks.clear();
    this.controller.abort(reason);
    this.forget();
  }

  private forget(): void {
    clearTimeout(this.expiry);
    parked().delete(this.id);
  }
}

/** A new parked call, or null when this replica holds as many as it may. */
export function parkCall(principal: string, tool: string, timeoutMs: number): ParkedCall | null {
  if (parked().size >= MAX_PARKED) return null;
  return new ParkedCall(principal, tool, timeoutMs);
}

/** The caller's parked call with this id on this replica, if any (another caller's is unknown). */
export function findParked(id: string, principal: string, tool: string): ParkedCall | null {
  const call = parked().get(id);
  return call && call.principal === principal && call.tool === tool ? call : null;
}
