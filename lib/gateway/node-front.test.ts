import { describe, expect, it } from "vitest";
import { gatewaySlug } from "./node-front";

describe("the app server's gateway front", () => {
  it("takes gateway endpoints, with or without a query or a trailing slash", () => {
    expect(gatewaySlug("/api/mcp/team-tools")).toBe("team-tools");
    expect(gatewaySlug("/api/mcp/team-tools?x=1")).toBe("team-tools");
    expect(gatewaySlug("/api/mcp/team-tools/")).toBe("team-tools");
    expect(gatewaySlug("/api/mcp/caf%C3%A9")).toBe("café");
  });

  it("leaves every other path to Next.js", () => {
    for (const url of ["/api/mcp", "/api/mcp/", "/api/mcp/a/b", "/api/mcpx/a", "/api/v1/gateways", "/api/mcp/%E0%A4%A"])
      expect(gatewaySlug(url)).toBeNull();
  });
});
