import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { holdStream, releasedWhenDone, streamsOfToken } from "./held-streams";

const clients: AbortController[] = [];
const hold = (tokenId: string, stillAllowed: () => Promise<boolean> = async () => true, max = 10) => {
  const client = new AbortController();
  clients.push(client);
  return { client, held: holdStream({ tokenId, signal: client.signal, stillAllowed, maxPerToken: max }) };
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  for (const c of clients.splice(0)) c.abort();
  vi.useRealTimers();
});

describe("held streams", () => {
  it("a caller who loses the right ends the stream at the next check, and it stops counting", async () => {
    let allowed = true;
    const { held } = hold("revoked-token", async () => allowed);
    expect(streamsOfToken("revoked-token")).toBe(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(held?.signal.aborted).toBe(false);
    allowed = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(held?.signal.aborted).toBe(true);
    expect(streamsOfToken("revoked-token")).toBe(0);
  });

  it("a check that fails (the database briefly away) keeps the stream", async () => {
    const { held } = hold("flaky-token", () => Promise.reject(new Error("database away")));
    await vi.advanceTimersByTimeAsync(5000);
    expect(held?.signal.aborted).toBe(false);
    expect(streamsOfToken("flaky-token")).toBe(1);
  });

  it("a client that leaves ends it; one already gone is never counted", () => {
    const { client, held } = hold("leaving-token");
    client.abort();
    expect(held?.signal.aborted).toBe(true);
    expect(streamsOfToken("leaving-token")).toBe(0);
    const gone = new AbortController();
    gone.abort();
    const late = holdStream({
      tokenId: "leaving-token",
      signal: gone.signal,
      stillAllowed: async () => true,
      maxPerToken: 1,
    });
    expect(late?.signal.aborted).toBe(true);
    expect(streamsOfToken("leaving-token")).toBe(0);
  });

  it("refuses past the token's limit, and a released stream makes room", () => {
    const first = hold("busy-token", undefined, 2).held;
    expect(hold("busy-token", undefined, 2).held).not.toBeNull();
    expect(hold("busy-token", undefined, 2).held).toBeNull();
    expect(hold("other-token", undefined, 2).held).not.toBeNull();
    first?.release();
    first?.release();
    expect(streamsOfToken("busy-token")).toBe(1);
    expect(hold("busy-token", undefined, 2).held).not.toBeNull();
  });
});

describe("releasedWhenDone", () => {
  it("releases when the answer's body ends (an error answered as JSON holds nothing)", async () => {
    const { held } = hold("answer-token");
    const answer = releasedWhenDone(Response.json({ error: "no" }), held as never);
    expect(streamsOfToken("answer-token")).toBe(1);
    expect(await answer.json()).toEqual({ error: "no" });
    expect(streamsOfToken("answer-token")).toBe(0);
  });

  it("releases when the reader cancels, and cancels the stream underneath", async () => {
    const { held } = hold("cancel-token");
    let cancelled = false;
    const source = new ReadableStream<Uint8Array>({
      start: (c) => c.enqueue(new TextEncoder().encode(": open\n\n")),
      cancel: () => {
        cancelled = true;
      },
    });
    const answer = releasedWhenDone(new Response(source), held as never);
    const reader = (answer.body as ReadableStream<Uint8Array>).getReader();
    expect((await reader.read()).done).toBe(false);
    await reader.cancel();
    expect(cancelled).toBe(true);
    expect(streamsOfToken("cancel-token")).toBe(0);
  });
});
