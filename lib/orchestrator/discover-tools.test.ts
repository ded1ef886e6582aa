import path from "node:path";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { InMemoryTransport } from "@modelcontextprotocol/client";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { listAllTools } from "./discover-tools";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** An MCP Apps tool as the example servers describe it, with a field no revision defines yet. */
const APP_TOOL = {
  name: "get-time",
  title: "Get time",
  description: "Shows the time in an app",
  inputSchema: { type: "object", properties: {} },
  icons: [{ src: "https://example.com/clock.png", mimeType: "image/png" }],
  execution: { taskSupport: "optional" },
  _meta: { ui: { resourceUri: "ui://get-time/mcp-app.html" } },
  "x-vendor-extension": { kept: true },
};

describe("a server's tools, as discovered", () => {
  it("keep every field the server sent: _meta, icons, execution and fields of later revisions", async () => {
    const server = new Server({ name: "apps", version: "1" }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [APP_TOOL] }));
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    const client = new Client({ name: "test", version: "1" });
    await client.connect(b);
    closers.push(() => client.close());
    expect(await listAllTools(client)).toEqual([APP_TOOL]);
  });

  it("keep server-everything's execution hints", async () => {
    const client = new Client({ name: "test", version: "1" });
    await client.connect(
      new StdioClientTransport({
        command: path.resolve("node_modules/.bin/mcp-server-everything"),
        args: ["stdio"],
        stderr: "ignore",
      }),
    );
    closers.push(() => client.close());
    const tools = await listAllTools(client);
    expect(tools.find((t) => t.name === "echo")?.execution).toEqual({ taskSupport: "forbidden" });
  });
});
