import { describe, expect, it } from "vitest";
import { gatewayResourceUri, parseGatewayResourceUri } from "./prompts-resources";

describe("gateway resource URIs", () => {
  it("wrap any upstream URI reversibly, with the server's prefix", () => {
    for (const uri of [
      "file:///tmp/a b.txt",
      "demo://resource/static/document/x.md",
      "https://e.com/x?y=1#z",
      "weird:/ü/%41",
    ]) {
      const wrapped = gatewayResourceUri("gh", uri);
      expect(wrapped.startsWith("mcp-gateway://gh/")).toBe(true);
      expect(new URL(wrapped).protocol).toBe("mcp-gateway:");
      expect(parseGatewayResourceUri(wrapped)).toEqual({ prefix: "gh", original: uri });
    }
  });

  it("refuse URIs that are not theirs", () => {
    expect(parseGatewayResourceUri("file:///etc/passwd")).toBeNull();
    expect(parseGatewayResourceUri("mcp-gateway://gh")).toBeNull();
    expect(parseGatewayResourceUri("mcp-gateway://gh/%E0%A4%A")).toBeNull();
  });
});
