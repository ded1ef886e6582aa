import { describe, expect, it } from "vitest";
import { cancelCall, cancellableCall } from "./cancellation";
import { asCancellation, asReply } from "./follow-up";
import { type ClientChannel, openCall, requestSent, responseReceived, routeFor } from "./inflight";

const trackCall = (connection: object, channel: ClientChannel) => {
  const call = openCall(connection, channel);
  return () => call.end();
};
import { awaitReply, deliverReply, newRelayId, relayRoute } from "./pending-replies";

const channel = (principal: string): ClientChannel => ({
  principal,
  request: async () => ({}),
  notify: () => {},
  flush: async () => {},
});

describe("which call a server's request belongs to", () => {
  it("is none without calls, the latest call of one caller, and refused across callers", () => {
    const connection = {};
    expect(routeFor(connection)).toEqual({ kind: "refused", reason: "no-call" });
    const a1 = channel("token-a");
    const a2 = channel("token-a");
    const endA1 = trackCall(connection, a1);
    const endA2 = trackCall(connection, a2);
    expect(routeFor(connection)).toEqual({ kind: "call", call: a2 });
    const endB = trackCall(connection, channel("token-b"));
    expect(routeFor(connection)).toEqual({ kind: "refused", reason: "several-callers" });
    endB();
    endA2();
    // a1 shared its life with token-b's call: still refused.
    expect(routeFor(connection)).toEqual({ kind: "refused", reason: "several-callers" });
    endA1();
    expect(routeFor(connection).kind).toBe("refused");
    const a3 = channel("token-a");
    trackCall(connection, a3);
    expect(routeFor(connection)).toEqual({ kind: "call", call: a3 });
    // Calls on another connection are not mixed in.
    trackCall({}, channel("token-b"));
    expect(routeFor(connection)).toEqual({ kind: "call", call: a3 });
  });
});

describe("a call's own request", () => {
  it("is the one sent through it; later ones are other requests", () => {
    const connection = {};
    const a = channel("token-a");
    const call = openCall(connection, a);
    const end = () => call.end();
    call.send(() => requestSent(connection, 1));
    expect(routeFor(connection)).toEqual({ kind: "call", call: a });
    expect(routeFor(connection, 1)).toEqual({ kind: "call", call: a });
    requestSent(connection, 2);
    expect(routeFor(connection)).toEqual({ kind: "refused", reason: "other-request" });
    responseReceived(connection, 2);
    expect(routeFor(connection)).toEqual({ kind: "call", call: a });
    end();
    expect(routeFor(connection, 1)).toEqual({ kind: "refused", reason: "not-a-call" });
  });
});

describe("replies to relayed requests", () => {
  it("are accepted from the caller the request went to, once", async () => {
    const id = newRelayId();
    const reply = awaitReply(id, "token-a", 5_000);
    expect(deliverReply({ id, result: { x: 1 } }, "token-b")).toBe("unknown");
    expect(deliverReply({ id, result: { x: 2 } }, "token-a")).toBe("delivered");
    expect(deliverReply({ id, result: { x: 3 } }, "token-a")).toBe("unknown");
    await expect(reply).resolves.toEqual({ x: 2 });
  });

  it("carry a client's error back as an MCP error", async () => {
    const id = newRelayId();
    const reply = awaitReply(id, "p", 5_000);
    deliverReply({ id, error: { code: -32601, message: "Method not found" } }, "p");
    await expect(reply).rejects.toMatchObject({ code: -32601 });
  });

  it("time out, and end when the call ends", async () => {
    await expect(awaitReply(newRelayId(), "p", 20)).rejects.toThrow(/did not answer within 20 ms/);
    const ended = new AbortController();
    const reply = awaitReply(newRelayId(), "p", 5_000, ended.signal);
    ended.abort();
    await expect(reply).rejects.toThrow(/ended before/);
  });

  it("name their replica's route, and only relay ids have one", () => {
    expect(relayRoute(newRelayId())).toBeNull();
    expect(relayRoute(newRelayId("v1.abc.def"))).toBe("v1.abc.def");
    expect(relayRoute("other.x.y")).toBeNull();
    expect(relayRoute(42)).toBeNull();
  });
});

describe("follow-up messages", () => {
  it("tell replies and cancellations from requests", () => {
    expect(asReply({ jsonrpc: "2.0", id: "relay.x", result: {} })).not.toBeNull();
    expect(asReply({ jsonrpc: "2.0", id: 1, error: { code: 1, message: "m" } })).not.toBeNull();
    expect(asReply({ jsonrpc: "2.0", id: 1, method: "tools/list" })).toBeNull();
    expect(asReply(null)).toBeNull();
    expect(asCancellation({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 3 } })).toEqual({
      requestId: 3,
      reason: undefined,
    });
    expect(asCancellation({ jsonrpc: "2.0", method: "notifications/progress", params: {} })).toBeNull();
  });

  it("cancel only the named call of the same principal", () => {
    const call = cancellableCall("token-a", 5, []);
    expect(cancelCall("token-b", 5)).toBe(false);
    expect(cancelCall("token-a", "5")).toBe(false);
    expect(call.signal.aborted).toBe(false);
    expect(cancelCall("token-a", 5)).toBe(true);
    expect(call.signal.aborted).toBe(true);
    call.done();
    expect(cancelCall("token-a", 5)).toBe(false);
  });
});
