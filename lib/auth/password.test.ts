import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "./password";
import { delayForFailures, HARD_LIMIT, LoginThrottle, WINDOW_MS } from "./throttle";

describe("password hashing", () => {
  it("verifies the right password only, with a fresh salt each time", async () => {
    const a = await hashPassword("s3cret pass");
    const b = await hashPassword("s3cret pass");
    expect(a).not.toBe(b);
    expect(a).not.toContain("s3cret");
    expect(await verifyPassword("s3cret pass", a)).toBe(true);
    expect(await verifyPassword("s3cret pasS", a)).toBe(false);
    expect(await verifyPassword("s3cret pass", "garbage")).toBe(false);
  });

  it("treats unicode forms of the same password alike", async () => {
    const h = await hashPassword("caf\u00e9-password");
    expect(await verifyPassword("cafe\u0301-password", h)).toBe(true);
  });
});

describe("sign-in throttle", () => {
  it("grows the delay after the free attempts and caps it", () => {
    expect([0, 1, 2].map(delayForFailures)).toEqual([0, 0, 0]);
    expect(delayForFailures(3)).toBe(250);
    expect(delayForFailures(4)).toBe(500);
    expect(delayForFailures(50)).toBe(8000);
  });

  it("counts per key within the window, blocks at the hard limit, and forgets after the window", () => {
    let now = 0;
    const throttle = new LoginThrottle(() => now);
    const keys = ["email:a@example.com", "ip:1.2.3.4"];
    for (let i = 0; i < HARD_LIMIT; i++) throttle.recordFailure(keys);
    expect(throttle.check(["email:other@example.com", "ip:1.2.3.4"]).blocked).toBe(true);
    expect(throttle.check(["email:other@example.com"]).blocked).toBe(false);
    now += WINDOW_MS + 1;
    expect(throttle.check(keys)).toEqual({ delayMs: 0, blocked: false });
  });
});
