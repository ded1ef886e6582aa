import { describe, expect, it } from "vitest";
import { addressKey, WindowLimit } from "./rate-limit";

describe("WindowLimit", () => {
  it("allows the limit per key in a window, then refuses until the window passes", () => {
    let now = 0;
    const limit = new WindowLimit(2, 1000, () => now);
    expect([limit.take("a"), limit.take("a"), limit.take("a")]).toEqual([true, true, false]);
    expect(limit.take("b")).toBe(true);
    now = 999;
    expect(limit.take("a")).toBe(false);
    now = 1000;
    expect(limit.take("a")).toBe(true);
  });

  it("holds a bounded number of keys, forgetting the oldest window first", () => {
    const limit = new WindowLimit(1, 60_000, () => 0, 2);
    expect(limit.take("a")).toBe(true);
    expect(limit.take("b")).toBe(true);
    expect(limit.take("c")).toBe(true);
    // "a" was forgotten to make room, so it may act again; "c" is still held.
    expect(limit.take("a")).toBe(true);
    expect(limit.take("c")).toBe(false);
  });

  it("limits an IPv6 client by its /64, an IPv4 one (also mapped into IPv6) by its address", () => {
    expect(addressKey("2001:db8:1:2:aaaa::1")).toBe(addressKey("2001:db8:1:2:ffff::9"));
    expect(addressKey("2001:db8:1:2::1")).not.toBe(addressKey("2001:db8:1:3::1"));
    expect(addressKey("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(addressKey("192.0.2.7")).not.toBe(addressKey("192.0.2.8"));
    expect(addressKey("unknown")).toBe("unknown");
  });
});
