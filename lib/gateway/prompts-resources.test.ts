import { UriTemplate } from "@modelcontextprotocol/sdk/shared/uriTemplate.js";
import { describe, expect, it } from "vitest";
import { gatewayResourceTemplate, gatewayResourceUri, parseGatewayResourceUri } from "./prompts-resources";

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

  it("wrap templates so that a client's expansion parses back to the server's expansion", () => {
    for (const [template, vars, expanded] of [
      ["demo://resource/dynamic/text/{resourceId}", { resourceId: "42" }, "demo://resource/dynamic/text/42"],
      ["repo://{owner}/{name}/readme", { owner: "acme", name: "app" }, "repo://acme/app/readme"],
      ["file:///{+path}", { path: "src/main.ts" }, "file:///src/main.ts"],
    ] as const) {
      const wrapped = gatewayResourceTemplate("ev", template);
      expect(wrapped).toContain("{");
      const clientExpansion = new UriTemplate(wrapped).expand(vars);
      expect(parseGatewayResourceUri(clientExpansion)).toEqual({ prefix: "ev", original: expanded });
      // The server's own expansion of the unwrapped template agrees.
      expect(new UriTemplate(template).expand(vars)).toBe(expanded);
    }
  });

  it("refuse URIs that are not theirs", () => {
    expect(parseGatewayResourceUri("file:///etc/passwd")).toBeNull();
    expect(parseGatewayResourceUri("mcp-gateway://gh")).toBeNull();
    expect(parseGatewayResourceUri("mcp-gateway://gh/%E0%A4%A")).toBeNull();
  });
});
