import { afterEach, describe, expect, it, vi } from "vitest";
import { type ClientChannel, openCall, requestSent, responseReceived, routeFor, type TrackedCall } from "./inflight";
import { type InflightCall, relayPrincipal, routeServerMessage } from "./route-rule";

const call = (principal: string, live: boolean, mixed: boolean, requestId?: number): InflightCall => ({
  principal,
  live,
  mixed,
  requestId,
});

describe("the rule, on the calls in flight", () => {
  // [what, calls in flight (oldest first), the request the message came with, expected]
  // biome-ignore format: a table reads best one row a line
  const rows: [string, InflightCall[], number | undefined, number | string, boolean?][] = [
    ["no call", [], undefined, "no-call"],
    ["one caller's call", [call("alice", true, false, 1)], undefined, 0],
    ["the latest of one caller's calls", [call("alice", true, false, 1), call("alice", true, false, 2)], undefined, 1],
    ["two callers' calls at once", [call("alice", true, true, 1), call("bob", true, true, 2)], undefined, "several-callers"],
    // The reported attack: Alice's call was given up on but the server still runs it; Bob's call
    // shared its life with it, so what the server asks reaches nobody.
    ["an abandoned call beside another caller's", [call("alice", false, true, 1), call("bob", true, true, 2)], undefined, "several-callers"],
    // Bob's call saw Alice's, which is over now: still refused, since this call's life was mixed.
    ["a call that once shared its life", [call("bob", true, true, 2)], undefined, "several-callers"],
    ["a call beside an abandoned one of the same caller", [call("alice", false, false, 1), call("alice", true, false, 2)], undefined, 1],
    ["only an abandoned call", [call("alice", false, false, 1)], undefined, "no-call"],
    // Streamable HTTP: the server names the request, so other callers do not matter.
    ["the named call of two callers'", [call("alice", true, true, 1), call("bob", true, true, 2)], 1, 0],
    ["the named call, abandoned", [call("alice", false, true, 1), call("bob", true, true, 2)], 1, "call-ended"],
    ["a named request that is no call", [call("alice", true, false, 1)], 7, "not-a-call"],
    // A request that is no tracked call (prompts/get, resources/read) of whoever is in flight.
    ["a call while another request is in flight", [call("alice", true, false, 1)], undefined, "other-request", true],
    ["the named call while another request is in flight", [call("alice", true, false, 1)], 1, 0, true],
  ];
  it.each(rows)("%s", (_what, inflight, related, expected, others = false) => {
    const route = routeServerMessage(inflight, related, others);
    if (typeof expected === "number") expect(route).toEqual({ kind: "call", call: inflight[expected] });
    else expect(route).toEqual({ kind: "refused", reason: expected });
  });
});

const channel = (name: string): ClientChannel & { name: string } => ({
  name,
  principal: `token-${name}`,
  request: async () => ({}),
  notify: () => {},
  flush: async () => {},
});

/** The name of the call a route goes to, or why it goes to none. */
const where = (route: ReturnType<typeof routeFor>) =>
  route.kind === "call" ? (route.call as ReturnType<typeof channel>).name : route.reason;

type Step =
  | ["start", string, string] // call name, principal: the call starts and its request goes out
  | ["give up", string] // the caller stops waiting (cancellation, timeout)
  | ["answer", string] // the server answers the call's request
  | ["done", string] // the server answers, then the caller has its result
  | ["other", string] // a request that is no tracked call goes out (prompts/get, resources/read)
  | ["later", number]; // time passes (ms)

describe("the rule over time, as the tracker applies it", () => {
  afterEach(() => void vi.useRealTimers());
  const LINGER_MS = 60_000;
  // [what, steps, where an uncorrelated server request goes then: a call's name or a refusal]
  // biome-ignore format: a table reads best one row a line
  const rows: [string, Step[], string][] = [
    ["one person", [["start", "a1", "alice"]], "a1"],
    ["one person, two tokens", [["start", "a1", "user:alice"], ["start", "a2", "user:alice"]], "a2"],
    ["two people at once", [["start", "a", "alice"], ["start", "b", "bob"]], "several-callers"],
    [
      "the reported attack: Alice gives up, the server asks for her call while Bob's is open",
      [["start", "a", "alice"], ["start", "b", "bob"], ["give up", "a"]],
      "several-callers",
    ],
    [
      "Alice gives up while the server still runs her call, then Bob calls",
      [["start", "a", "alice"], ["give up", "a"], ["start", "b", "bob"]],
      "several-callers",
    ],
    [
      "... and the server finishes Alice's call: Bob's call still shared its life",
      [["start", "a", "alice"], ["give up", "a"], ["start", "b", "bob"], ["answer", "a"]],
      "several-callers",
    ],
    [
      "Alice gives up and the server finishes her call before Bob calls: never overlapped",
      [["start", "a", "alice"], ["give up", "a"], ["answer", "a"], ["start", "b", "bob"]],
      "b",
    ],
    [
      "Alice gives up, the server never answers, Bob calls after the longest a call may last",
      [["start", "a", "alice"], ["give up", "a"], ["later", LINGER_MS], ["start", "b", "bob"]],
      "b",
    ],
    ["Alice's call is done before Bob's starts", [["start", "a", "alice"], ["done", "a"], ["start", "b", "bob"]], "b"],
    [
      "Bob's call started beside Alice's, which ended; Bob calls again alone",
      [["start", "a", "alice"], ["start", "b1", "bob"], ["done", "a"], ["done", "b1"], ["start", "b2", "bob"]],
      "b2",
    ],
    ["everyone is done", [["start", "a", "alice"], ["done", "a"]], "no-call"],
    ["a call while another request is in flight", [["start", "a", "alice"], ["other", "p"]], "other-request"],
    ["a call once the other request is answered", [["start", "a", "alice"], ["other", "p"], ["answer", "p"]], "a"],
    ["a call after another request that was never answered", [["other", "p"], ["later", 120_001], ["start", "a", "alice"]], "a"],
  ];
  it.each(rows)("%s", (_what, steps, expected) => {
    vi.useFakeTimers();
    const connection = {};
    const calls = new Map<string, { tracked?: TrackedCall; id: number }>();
    let nextId = 0;
    for (const step of steps) {
      if (step[0] === "later") vi.advanceTimersByTime(step[1]);
      else if (step[0] === "other") {
        const id = nextId++;
        requestSent(connection, id);
        calls.set(step[1], { id });
      } else if (step[0] === "start") {
        const tracked = openCall(connection, channel(step[1]), { principal: step[2], lingerMs: LINGER_MS });
        const id = nextId++;
        tracked.send(() => requestSent(connection, id));
        calls.set(step[1], { tracked, id });
      } else {
        const c = calls.get(step[1]);
        if (!c) throw new Error(`no call ${step[1]}`);
        if (step[0] === "give up") c.tracked?.end();
        if (step[0] === "answer" || step[0] === "done") responseReceived(connection, c.id);
        if (step[0] === "done") c.tracked?.end();
      }
    }
    expect(where(routeFor(connection))).toBe(expected);
  });

  it("goes by the request the server names, whoever else calls", () => {
    const connection = {};
    const alice = openCall(connection, channel("a"), { principal: "alice", lingerMs: LINGER_MS });
    alice.send(() => requestSent(connection, 1));
    const bob = openCall(connection, channel("b"), { principal: "bob", lingerMs: LINGER_MS });
    bob.send(() => requestSent(connection, 2));
    expect(where(routeFor(connection, 1))).toBe("a");
    expect(where(routeFor(connection, 2))).toBe("b");
    alice.end();
    expect(where(routeFor(connection, 1))).toBe("call-ended");
    expect(where(routeFor(connection, 2))).toBe("b");
    // Only the first request sent for a call names it; requests sent outside any call name none.
    requestSent(connection, 3);
    expect(where(routeFor(connection, 3))).toBe("not-a-call");
  });
});

describe("who a call is for", () => {
  it("is the person for personal tokens, and the token itself for team and organisation tokens", () => {
    expect(relayPrincipal({ tokenKind: "user", tokenId: "t1", userId: "u1" })).toBe("user:u1");
    expect(relayPrincipal({ tokenKind: "user", tokenId: "t2", userId: "u1" })).toBe("user:u1");
    expect(relayPrincipal({ tokenKind: "team", tokenId: "t3", userId: null })).toBe("token:t3");
    expect(relayPrincipal({ tokenKind: "org", tokenId: "t4", userId: null })).toBe("token:t4");
  });
});
