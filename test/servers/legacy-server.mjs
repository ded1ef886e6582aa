#!/usr/bin/env node
// A small MCP server on the SDK's v1 line: it speaks the 2025 revisions only. Tool `echo`.
// How it takes a request it does not know before `initialize` (the 2026-07-28 era probe):
// by default it answers "method not found", as the SDK does; `--exit-on-probe` exits instead
// (servers built on SDKs that end on any request before `initialize`), `--silent-on-probe`
// never answers. stdio only.
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const mode = process.argv.includes("--exit-on-probe")
  ? "exit"
  : process.argv.includes("--silent-on-probe")
    ? "silent"
    : "answer";
const server = new Server({ name: "legacy-test-server", version: "1.0.0" }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async () => ({
  tools: [{ name: "echo", inputSchema: { type: "object", properties: { text: { type: "string" } } } }],
}));
server.setRequestHandler(CallToolRequestSchema, async (request) => ({
  content: [{ type: "text", text: String(request.params.arguments?.text ?? "") }],
}));
const transport = new StdioServerTransport();
await server.connect(transport);
const deliver = transport.onmessage;
transport.onmessage = (message, extra) => {
  if (message.method === "server/discover" && mode !== "answer") {
    if (mode === "exit") process.exit(1);
    return;
  }
  deliver?.(message, extra);
};
