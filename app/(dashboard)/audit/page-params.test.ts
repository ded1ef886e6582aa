import { describe, expect, it } from "vitest";
import { parseAuditPageParams } from "./page-params";

const cursor = "2026-03-04T05:06:07.123456Z_42";

describe("the Audit page's query string", () => {
  it("reads filters and a page cursor", () => {
    expect(parseAuditPageParams({ action: "tool.call", outcome: "denied", before: cursor })).toEqual({
      filter: { action: "tool.call", outcome: "denied", gateway: undefined, user: undefined },
      before: { at: "2026-03-04T05:06:07.123456Z", id: "42" },
      after: undefined,
      badCursor: false,
    });
    expect(parseAuditPageParams({ after: cursor }).after).toEqual({ at: "2026-03-04T05:06:07.123456Z", id: "42" });
  });

  it.each([
    { before: "garbage" },
    { after: "2026-13-40T99:00:00.000000Z_1" },
    { before: [cursor, cursor] },
    { before: `${cursor}${"9".repeat(300)}` },
  ])("a page link that is not one gives the newest page and says so: %j", (params) => {
    const parsed = parseAuditPageParams(params);
    expect(parsed).toMatchObject({ before: undefined, after: undefined, badCursor: true });
  });

  it("ignores repeated, unknown or overlong filter values instead of failing", () => {
    expect(
      parseAuditPageParams({ action: ["a", "b"], outcome: "sideways", gateway: "g".repeat(201), user: "" }).filter,
    ).toEqual({ action: undefined, outcome: undefined, gateway: undefined, user: undefined });
  });
});
