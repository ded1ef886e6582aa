import { describe, expect, it } from "vitest";
import { originAllowed } from "./origin-check";

describe("originAllowed (DNS-rebinding protection)", () => {
  const none = {};
  it("lets requests without an Origin through: they are not from a browser page", () => {
    expect(originAllowed(undefined, "http://evil.example:3000", none)).toBe(true);
  });

  it("accepts the app's own origin when its host is loopback or an IP address", () => {
    for (const own of [
      "http://localhost:3000",
      "http://app.localhost:3000",
      "http://127.0.0.1:3000",
      "http://[::1]:3000",
      "http://10.1.2.3:3000",
    ])
      expect(originAllowed(own, own, none), own).toBe(true);
  });

  it("refuses a rebinding page: its Origin and Host name the attacker's domain", () => {
    expect(originAllowed("http://evil.example:3000", "http://evil.example:3000", none)).toBe(false);
    expect(originAllowed("http://localhost.evil.example", "http://localhost.evil.example", none)).toBe(false);
  });

  it("refuses an Origin other than the request's own", () => {
    expect(originAllowed("http://evil.example", "http://localhost:3000", none)).toBe(false);
    expect(originAllowed("null", "http://localhost:3000", none)).toBe(false);
  });

  it("with a public URL, accepts exactly its origin, whatever the Host says", () => {
    const policy = { publicUrl: "https://mcp.example.com/some/path" };
    expect(originAllowed("https://mcp.example.com", "http://evil.example", policy)).toBe(true);
    expect(originAllowed("http://localhost:3000", "http://localhost:3000", policy)).toBe(false);
    expect(originAllowed("https://evil.example", "https://evil.example", policy)).toBe(false);
  });

  it("accepts the origins listed in ARCHESTRA_GATEWAY_ALLOWED_ORIGINS", () => {
    const policy = {
      publicUrl: "https://mcp.example.com",
      allowed: "http://localhost:6274, https://tools.example.com",
    };
    expect(originAllowed("http://localhost:6274", "https://mcp.example.com", policy)).toBe(true);
    expect(originAllowed("https://tools.example.com", "https://mcp.example.com", policy)).toBe(true);
    expect(originAllowed("https://other.example.com", "https://mcp.example.com", policy)).toBe(false);
    // Written with a path or in capitals, an entry still names the origin browsers send.
    const loose = { allowed: " https://Tools.Example.com/ " };
    expect(originAllowed("https://tools.example.com", "http://localhost:3000", loose)).toBe(true);
    expect(
      originAllowed("http://tools.example.com", "http://tools.example.com", { allowed: "https://tools.example.com" }),
    ).toBe(false);
  });
});
