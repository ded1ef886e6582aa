import { UriTemplate } from "@modelcontextprotocol/sdk/shared/uriTemplate.js";
import { describe, expect, it } from "vitest";
import { saveAssignmentsSchema } from "./schemas";
import {
  gatewayResourceTemplate,
  gatewayResourceUri,
  parseGatewayResourceUri,
  promptExposed,
  resourceExposed,
  templateExposed,
} from "./prompts-resources";

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

describe("what an assignment exposes of a server's prompts and resources", () => {
  it("all, none, or chosen ones: a resource by its URI or by a chosen template it matches", () => {
    expect(promptExposed({ prompts: null }, "any")).toBe(true);
    expect(promptExposed({ prompts: [] }, "any")).toBe(false);
    expect(promptExposed({ prompts: ["simple-prompt"] }, "simple-prompt")).toBe(true);
    expect(promptExposed({ prompts: ["simple-prompt"] }, "args-prompt")).toBe(false);

    const chosen = { resources: ["demo://resource/static/document/a.md", "demo://resource/dynamic/text/{id}"] };
    expect(resourceExposed({ resources: null }, "file:///etc/passwd")).toBe(true);
    expect(resourceExposed({ resources: [] }, "demo://resource/static/document/a.md")).toBe(false);
    expect(resourceExposed(chosen, "demo://resource/static/document/a.md")).toBe(true);
    expect(resourceExposed(chosen, "demo://resource/static/document/b.md")).toBe(false);
    expect(resourceExposed(chosen, "demo://resource/dynamic/text/42")).toBe(true);
    expect(resourceExposed(chosen, "demo://resource/dynamic/text/42/../../static/document/b.md")).toBe(false);
    expect(templateExposed(chosen, "demo://resource/dynamic/text/{id}")).toBe(true);
    expect(templateExposed(chosen, "demo://resource/dynamic/blob/{id}")).toBe(false);
  });

  it("left out, they follow the tools: all with all tools, none with a chosen subset", () => {
    const parsed = saveAssignmentsSchema.parse({
      assignments: [
        { server: "a" },
        { server: "b", tools: ["echo"] },
        { server: "c", tools: ["echo"], prompts: "all", resources: ["x://1", "x://1"] },
        { server: "d", prompts: "none", resources: "none" },
      ],
    }).assignments;
    expect(parsed.map((a) => [a.prompts, a.resources])).toEqual([
      [null, null],
      [[], []],
      [null, ["x://1"]],
      [[], []],
    ]);
    expect(saveAssignmentsSchema.safeParse({ assignments: [{ server: "a", prompts: "some" }] }).success).toBe(false);
  });
});
