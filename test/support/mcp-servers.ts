import path from "node:path";

/** Real MCP servers from npm, installed as devDependencies, run the way the catalog would. */
const bin = (name: string) => path.resolve("node_modules/.bin", name);

export const MEMORY_SERVER = { command: bin("mcp-server-memory"), args: [] as string[] };
export const EVERYTHING_SERVER_STDIO = { command: bin("mcp-server-everything"), args: ["stdio"] };
export const EVERYTHING_SERVER_HTTP = { command: bin("mcp-server-everything"), args: ["streamableHttp"] };
export const FILESYSTEM_SERVER = (root: string) => ({ command: bin("mcp-server-filesystem"), args: [root] });
