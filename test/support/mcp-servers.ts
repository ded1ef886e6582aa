import { spawn } from "node:child_process";
import path from "node:path";
import { freePort } from "@/lib/net/free-port";
import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { SubscribeRequestSchema, UnsubscribeRequestSchema } from "@modelcontextprotocol/sdk/types.js";

/** Real MCP servers from npm, installed as devDependencies, run the way the catalog would. */
const bin = (name: string) => path.resolve("node_modules/.bin", name);

export const MEMORY_SERVER = { command: bin("mcp-server-memory"), args: [] as string[] };
export const EVERYTHING_SERVER_STDIO = { command: bin("mcp-server-everything"), args: ["stdio"] };
export const EVERYTHING_SERVER_HTTP = { command: bin("mcp-server-everything"), args: ["streamableHttp"] };
export const FILESYSTEM_SERVER = (root: string) => ({ command: bin("mcp-server-filesystem"), args: [root] });

/**
 * server-everything over streamable HTTP on a free port, once it answers: its MCP endpoint, and
 * how to stop it.
 */
export async function startEverythingHttp(): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const child = spawn(EVERYTHING_SERVER_HTTP.command, EVERYTHING_SERVER_HTTP.args, {
    env: { ...process.env, PORT: String(port) },
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${port}/mcp`;
  for (let i = 0; i < 100; i++) {
    const up = await fetch(url).then(
      () => true,
      () => false,
    );
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop: () => child.kill() };
}

/** A real MCP server (in memory) that offers resource subscriptions, noting who is subscribed upstream. */
export async function subscribableServer(): Promise<{ client: Client; upstream: Set<string> }> {
  const server = new Server({ name: "subs", version: "1" }, { capabilities: { resources: { subscribe: true } } });
  const upstream = new Set<string>();
  server.setRequestHandler(SubscribeRequestSchema, async (req) => {
    upstream.add(req.params.uri);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, async (req) => {
    upstream.delete(req.params.uri);
    return {};
  });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: "gateway", version: "1" });
  await client.connect(b);
  return { client, upstream };
}
