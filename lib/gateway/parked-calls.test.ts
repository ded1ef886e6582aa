import { afterEach, describe, expect, it, vi } from "vitest";
import { findParked, MAX_PARKED_PER_TOKEN, type ParkedCall, parkCall } from "./parked-calls";

afterEach(() => {
  vi.useRealTimers();
});

describe("a call parked while its server waits for the caller", () => {
  it("reports the server's question, takes the answer, then reports the result", async () => {
    const call = parkCall("tok-1", "asker__ask", 10_000) as ParkedCall;
    const channel = call.channel({ sampling: false, elicitation: true, roots: false });
    const answered = channel.request({ method: "elicitation/create", params: { message: "Colour?" } });
    const first = await call.next();
    expect(first).toEqual({
      kind: "ask",
      inputRequests: { q1: { method: "elicitation/create", params: { message: "Colour?" } } },
    });
    // Only its caller finds it, and only for its tool.
    expect(findParked(call.id, "tok-2", "asker__ask")).toBeNull();
    expect(findParked(call.id, "tok-1", "other__tool")).toBeNull();
    expect(findParked(call.id, "tok-1", "asker__ask")).toBe(call);

    call.answer({ q1: { action: "accept", content: { colour: "blue" } } });
    expect(await answered).toEqual({ action: "accept", content: { colour: "blue" } });
    const done = call.next();
    call.settle({ kind: "done", result: { content: [{ type: "text", text: "blue" }] } });
    expect(await done).toEqual({ kind: "done", result: { content: [{ type: "text", text: "blue" }] } });
    // Used up: the call is gone.
    expect(findParked(call.id, "tok-1", "asker__ask")).toBeNull();
  });

  it("asks again for a question the retry did not answer", async () => {
    const call = parkCall("tok-1", "t", 10_000) as ParkedCall;
    void call.channel().request({ method: "roots/list" });
    expect((await call.next()).kind).toBe("ask");
    call.answer({ q9: { roots: [] } });
    expect(await call.next()).toMatchObject({ kind: "ask", inputRequests: { q1: { method: "roots/list" } } });
  });

  it("refuses a second round while one waits", async () => {
    const call = parkCall("tok-1", "t", 10_000) as ParkedCall;
    const waiting = call.next();
    expect(await call.next()).toMatchObject({ kind: "failed" });
    call.settle({ kind: "done", result: {} });
    expect(await waiting).toEqual({ kind: "done", result: {} });
  });

  it("is given up when nobody comes back in time: the server's question fails and the call is aborted", async () => {
    vi.useFakeTimers();
    const call = parkCall("tok-1", "t", 1_000) as ParkedCall;
    const question = call.channel().request({ method: "sampling/createMessage" });
    question.catch(() => {});
    expect((await call.next()).kind).toBe("ask");
    await vi.advanceTimersByTimeAsync(1_001);
    await expect(question).rejects.toThrow("nobody answered in time");
    expect(call.controller.signal.aborted).toBe(true);
    expect(findParked(call.id, "tok-1", "t")).toBeNull();
  });

  it("a token that parks call after call holds at most its share; the one beyond is given up, and others are not held back", async () => {
    const park = async (token: string) => {
      const call = parkCall(token, "t", 10_000) as ParkedCall;
      const question = call.channel().request({ method: "roots/list" });
      question.catch(() => {});
      return { call, question, outcome: await call.next() };
    };
    const held = [];
    for (let i = 0; i < MAX_PARKED_PER_TOKEN; i++) held.push(await park("greedy-token"));
    expect(held.every((h) => h.outcome.kind === "ask")).toBe(true);
    const beyond = await park("greedy-token");
    expect(beyond.outcome).toMatchObject({ kind: "failed", message: expect.stringContaining("this token") });
    await expect(beyond.question).rejects.toThrow("too many calls wait for answers");
    expect(beyond.call.controller.signal.aborted).toBe(true);
    expect(findParked(beyond.call.id, "greedy-token", "t")).toBeNull();
    expect((await park("modest-token")).outcome.kind).toBe("ask");
    // A parked call that ends makes room.
    const first = held[0]?.call as ParkedCall;
    first.answer({ q1: { roots: [] } });
    const ended = first.next();
    first.settle({ kind: "done", result: {} });
    await ended;
    expect((await park("greedy-token")).outcome.kind).toBe("ask");
  });
});
