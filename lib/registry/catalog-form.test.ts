import { describe, expect, it } from "vitest";
import { catalogInputFromForm, parseEnvLines } from "./catalog-form";

const form = (values: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(values)) f.set(k, v);
  return f;
};

describe("the add-a-server form", () => {
  it("reads variables one per line, with flags, default and description", () => {
    expect(
      parseEnvLines(
        "GITHUB_TOKEN secret required # A personal access token\n\n LOG_LEVEL =info hidden # How much # to log",
      ),
    ).toEqual([
      { name: "GITHUB_TOKEN", secret: true, required: true, prompt: true, description: "A personal access token" },
      {
        name: "LOG_LEVEL",
        secret: false,
        required: false,
        prompt: false,
        default: "info",
        description: "How much # to log",
      },
    ]);
    expect(() => parseEnvLines("TOKEN secrett")).toThrow(/Line 1: unknown word "secrett"/);
  });

  it("refuses a reserved variable name at its line, in the variables field", () => {
    expect(() => parseEnvLines("API_KEY secret\nNODE_OPTIONS =--require=/x.js")).toThrow(
      expect.objectContaining({
        fields: { env: expect.stringContaining("Line 2: NODE_OPTIONS: this name is reserved") },
      }),
    );
  });

  it("builds local and remote entries", () => {
    expect(
      catalogInputFromForm(
        form({
          kind: "local",
          name: "Memory",
          command: "npx",
          args: "-y\n @modelcontextprotocol/server-memory \n",
          env: "",
        }),
      ),
    ).toMatchObject({ kind: "local", command: "npx", args: ["-y", "@modelcontextprotocol/server-memory"], env: [] });
    expect(
      catalogInputFromForm(
        form({
          kind: "remote",
          name: "GH",
          url: "https://gh.example/mcp",
          authKind: "oauth",
          scopes: "repo, read:org",
        }),
      ),
    ).toMatchObject({ kind: "remote", authKind: "oauth", scopes: ["repo", "read:org"] });
  });
});
