import { afterEach, describe, expect, it } from "vitest";
import { changeStream } from "./change-stream";
import { sessionsWithStreams, streamsOfToken } from "./held-streams";

const opened: AbortController[] = [];
const open = (tokenId: string, session: string | null = null) => {
  const abort = new AbortController();
  opened.push(abort);
  const response = changeStream({
    tokenId,
    gatewayId: "g",
    itemIds: new Set(),
    session,
    signal: abort.signal,
    stillAllowed: async () => true,
    maxPerToken: 10,
  });
  return { response, abort };
};

afterEach(() => {
  for (const a of opened.splice(0)) a.abort();
});

describe("event streams per token", () => {
  it("a token that opens 100 streams holds 10; the others are refused; a closed one makes room", async () => {
    const tries = Array.from({ length: 100 }, () => open("token-a"));
    expect(tries.filter((t) => t.response !== null)).toHaveLength(10);
    expect(streamsOfToken("token-a")).toBe(10);
    // Another token is not held back by the first one's streams.
    expect(open("token-b").response).not.toBeNull();
    tries[0]?.abort.abort();
    expect(streamsOfToken("token-a")).toBe(9);
    expect(open("token-a").response).not.toBeNull();
    expect(open("token-a").response).toBeNull();
  });

  it("says which sessions have a stream open here", () => {
    open("token-c", "session-1");
    open("token-c", null);
    expect(sessionsWithStreams().has("session-1")).toBe(true);
  });
});
