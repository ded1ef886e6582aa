import { describe, expect, it } from "vitest";
import type { HandlerContext } from "./gateway-server";
import { openedCallState } from "./modern-leg";

/** A handler context whose verified requestState is `state`, as the SDK hands it over. */
const carrying = (state: unknown) => ({ mcpReq: { requestState: () => state } }) as unknown as HandlerContext;

describe("a sealed call state carried into a retry", () => {
  it("opens for the call it was made for", () => {
    expect(openedCallState(carrying({ tool: "ev__echo", upstream: "s1" }), "ev__echo")).toEqual({
      tool: "ev__echo",
      upstream: "s1",
    });
    expect(openedCallState(carrying(undefined), "ev__echo")).toBeUndefined();
  });

  it("is refused when carried to another tool or to a prompt (the attack: reuse a state elsewhere)", () => {
    expect(() => openedCallState(carrying({ tool: "ev__echo" }), "notes__delete")).toThrow(/another call/);
    expect(() => openedCallState(carrying({ tool: "ev__echo" }), "prompt:ev__echo")).toThrow(/another call/);
  });
});
