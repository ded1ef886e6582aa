/** One client's way of connecting to a gateway. */
export interface ConnectConfig {
  client: string;
  where: string;
  language: "json" | "shell" | "text";
  code: string;
}

export const TOKEN_PLACEHOLDER = "<YOUR_TOKEN>";

/**
 * Pure: how the common MCP clients connect by signing in (they run the MCP authorization flow
 * when the gateway asks: the person signs in to the app in a browser and approves the client),
 * so nothing but the gateway's URL is configured. Offered first.
 */
export function signInConfigs(name: string, url: string): ConnectConfig[] {
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  return [
    {
      client: "Claude (claude.ai, Claude Desktop)",
      where: "Settings → Connectors → Add custom connector, then Connect",
      language: "text",
      code: url,
    },
    {
      client: "Claude Code",
      where: "Run in a terminal, then /mcp in Claude Code to sign in",
      language: "shell",
      code: `claude mcp add --transport http ${name} ${url}`,
    },
    {
      client: "VS Code",
      where: ".vscode/mcp.json (VS Code opens the browser to sign in on first use)",
      language: "json",
      code: json({ servers: { [name]: { type: "http", url } } }),
    },
    {
      client: "Cursor",
      where: "~/.cursor/mcp.json (Cursor shows Needs login: click it to sign in)",
      language: "json",
      code: json({ mcpServers: { [name]: { url } } }),
    },
  ];
}

/**
 * Pure: copyable configuration for the common MCP clients with a token, for clients that cannot
 * sign in (and scripts): the gateway's URL and a token placeholder (tokens are shown once, on the
 * Tokens page, never here).
 */
export function connectConfigs(name: string, url: string): ConnectConfig[] {
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  return [
    {
      client: "Claude Code",
      where: "Run in a terminal",
      language: "shell",
      code: `claude mcp add --transport http ${name} ${url} --header "Authorization: Bearer ${TOKEN_PLACEHOLDER}"`,
    },
    {
      client: "Claude Desktop",
      where: "claude_desktop_config.json (through the mcp-remote bridge)",
      language: "json",
      code: json({
        mcpServers: {
          [name]: {
            command: "npx",
            // biome-ignore lint/suspicious/noTemplateCurlyInString: the client expands this placeholder, not JavaScript
            args: ["-y", "mcp-remote", url, "--header", "Authorization:${AUTH_HEADER}"],
            env: { AUTH_HEADER: `Bearer ${TOKEN_PLACEHOLDER}` },
          },
        },
      }),
    },
    {
      client: "Cursor",
      where: "~/.cursor/mcp.json",
      language: "json",
      code: json({ mcpServers: { [name]: { url, headers: { Authorization: `Bearer ${TOKEN_PLACEHOLDER}` } } } }),
    },
    {
      client: "VS Code",
      where: ".vscode/mcp.json (asks for the token once and stores it securely)",
      language: "json",
      code: json({
        inputs: [
          { type: "promptString", id: "mcp-orchestrator-token", description: "MCP Orchestrator token", password: true },
        ],
        servers: {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the client expands this placeholder, not JavaScript
          [name]: { type: "http", url, headers: { Authorization: "Bearer ${input:mcp-orchestrator-token}" } },
        },
      }),
    },
    {
      client: "MCP Inspector",
      where: "Run in a terminal",
      language: "shell",
      code: `npx @modelcontextprotocol/inspector --cli ${url} --transport http --method tools/list --header "Authorization: Bearer ${TOKEN_PLACEHOLDER}"`,
    },
  ];
}
