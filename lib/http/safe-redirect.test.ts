import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "./safe-redirect";

/** Where a browser would go if it were sent `Location: <path>` by https://app.example. */
const browserTarget = (path: string) => new URL(path, "https://app.example");

describe("safeCallbackPath", () => {
  it.each([
    ["/", "/"],
    ["/teams", "/teams"],
    ["/registry/memory?installed=1#tools", "/registry/memory?installed=1#tools"],
    ["/api/oauth/callback?code=abc&state=xyz", "/api/oauth/callback?code=abc&state=xyz"],
    ["/a/../teams", "/teams"],
    ["/teams?q=a%20b", "/teams?q=a%20b"],
  ])("keeps the same-app path %j", (value, expected) => {
    expect(safeCallbackPath(value)).toBe(expected);
  });

  // Each of these, sent as a Location header, takes at least one browser off the site.
  const bypasses = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "/\t/evil.example", // what `/signin?callbackUrl=/%09/evil.example` decodes to
    "/%09/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\r/evil.example",
    "/%0d%0a/evil.example",
    "/\u0000/evil.example",
    "/%00/evil.example",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "/%5Cevil.example",
    "/%5C%5Cevil.example",
    "/.//evil.example",
    "/a/..//evil.example",
    "/%2e/%2fevil.example",
    "https:evil.example",
    "https://evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    " //evil.example",
    "/ /\u0085evil.example",
    "/x\u007f/evil.example",
    "%2F%2Fevil.example",
    "/%E0%A4%A", // broken percent-encoding
  ];
  it.each(bypasses)("refuses %j", (value) => {
    expect(safeCallbackPath(value)).toBe("/");
    expect(safeCallbackPath(value, "/fallback")).toBe("/fallback");
  });

  it("never hands back a path a browser resolves to another origin", () => {
    for (const value of bypasses) {
      expect(browserTarget(safeCallbackPath(value)).origin).toBe("https://app.example");
    }
  });

  it("refuses what is not a string, and overlong values", () => {
    for (const value of [undefined, null, 42, ["/teams"], { toString: () => "/teams" }]) {
      expect(safeCallbackPath(value)).toBe("/");
    }
    expect(safeCallbackPath(`/${"a".repeat(5000)}`)).toBe("/");
  });
});
