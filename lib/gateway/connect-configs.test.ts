import { describe, expect, it } from "vitest";
import { connectConfigs, signInConfigs, TOKEN_PLACEHOLDER } from "./connect-configs";

describe("connect instructions", () => {
  const configs = connectConfigs("main", "https://mcp.example.com/api/mcp/main");

  it("cover the common clients, each with the URL and a token placeholder", () => {
    expect(configs.map((c) => c.client)).toEqual([
      "Claude Code",
      "Claude Desktop",
      "Cursor",
      "VS Code",
      "MCP Inspector",
    ]);
    for (const c of configs) {
      expect(c.code).toContain("https://mcp.example.com/api/mcp/main");
      if (c.client !== "VS Code") expect(c.code).toContain(TOKEN_PLACEHOLDER);
    }
  });

  it("JSON configs are valid JSON in each client's shape", () => {
    const cursor = JSON.parse(configs.find((c) => c.client === "Cursor")?.code ?? "");
    expect(cursor.mcpServers.main).toEqual({
      url: "https://mcp.example.com/api/mcp/main",
      headers: { Authorization: `Bearer ${TOKEN_PLACEHOLDER}` },
    });
    const vscode = JSON.parse(configs.find((c) => c.client === "VS Code")?.code ?? "");
    expect(vscode.servers.main.type).toBe("http");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the client expands this placeholder, not JavaScript
    expect(vscode.servers.main.headers.Authorization).toBe("Bearer ${input:mcp-orchestrator-token}");
    expect(vscode.inputs[0].password).toBe(true);
    const desktop = JSON.parse(configs.find((c) => c.client === "Claude Desktop")?.code ?? "");
    expect(desktop.mcpServers.main.args).toContain("https://mcp.example.com/api/mcp/main");
  });

  it("sign-in configs carry the URL and nothing secret: the client signs its person in", () => {
    const signIn = signInConfigs("main", "https://mcp.example.com/api/mcp/main");
    expect(signIn.map((c) => c.client)).toEqual([
      "Claude (claude.ai, Claude Desktop)",
      "Claude Code",
      "VS Code",
      "Cursor",
    ]);
    for (const c of signIn) {
      expect(c.code).toContain("https://mcp.example.com/api/mcp/main");
      expect(c.code).not.toMatch(/Authorization|Bearer|YOUR_TOKEN/);
    }
    expect(JSON.parse(signIn.find((c) => c.client === "VS Code")?.code ?? "")).toEqual({
      servers: { main: { type: "http", url: "https://mcp.example.com/api/mcp/main" } },
    });
    expect(JSON.parse(signIn.find((c) => c.client === "Cursor")?.code ?? "")).toEqual({
      mcpServers: { main: { url: "https://mcp.example.com/api/mcp/main" } },
    });
  });
});
