#!/usr/bin/env node
// A stdio bridge to a gateway, for MCP clients that only launch commands:
//   ARCHESTRA_TOKEN=<token> node cli/connect.mjs http://localhost:3000/api/mcp/<gateway>
// Messages are passed through unchanged in both directions; the token goes in the
// Authorization header of every request and nowhere else.
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";

export async function connect(url, token) {
  if (!url) throw new Error("usage: connect <gateway URL> (token in ARCHESTRA_TOKEN)");
  if (!token) throw new Error("set ARCHESTRA_TOKEN to a token from the Tokens page");
  const upstream = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  const local = new StdioServerTransport();
  const initializing = new Set();

  local.onmessage = (message) => {
    if (message.method === "initialize" && message.id !== undefined) initializing.add(message.id);
    upstream.send(message).catch((err) => {
      // A request that could not be delivered still gets an answer, so the client does not hang.
      if (message.id !== undefined && message.method) {
        void local.send({
          jsonrpc: "2.0",
          id: message.id,
          error: { code: -32603, message: `gateway unreachable: ${err.message}` },
        });
      }
    });
  };
  upstream.onmessage = (message) => {
    if (message.id !== undefined && initializing.delete(message.id) && message.result?.protocolVersion) {
      upstream.setProtocolVersion(message.result.protocolVersion);
    }
    void local.send(message);
  };
  upstream.onerror = (err) => process.stderr.write(`gateway: ${err.message}\n`);
  local.onclose = () => void upstream.close();
  upstream.onclose = () => process.exit(0);
  await upstream.start();
  await local.start();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  connect(process.argv[2], process.env.ARCHESTRA_TOKEN).catch((err) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
}
