import { describe, expect, it } from "vitest";
import { processGlobal } from "./process-global";

describe("processGlobal", () => {
  it("makes a value once per name and hands the same one to every caller", () => {
    let made = 0;
    const make = () => {
      made++;
      return new Map<string, number>();
    };
    const first = processGlobal("test.once", make);
    first.set("a", 1);
    expect(processGlobal("test.once", make)).toBe(first);
    expect(processGlobal("test.other", make)).not.toBe(first);
    expect(made).toBe(2);
  });
});
