#!/usr/bin/env node
// A small MCP server on the SDK's v2 line that speaks 2026-07-28 (and the 2025 revisions): it
// asks for input with `input_required` results. Tools: `echo` (text back), `ask_name` (an
// elicitation, then a greeting naming who answered and the request state it got back), and
// `ask_twice` (two rounds, the second depending on the state of the first), and `caps` (the
// capabilities the request's `_meta` said the client has), `wait` (answers when cancelled, and
// writes `cancelled <id>` to stderr). Prompt: `greet` (asks whom, then greets them).
// Resource: `diary://today` (asks whose, then reads it).
// stdio by default; `--http <port>` serves streamable HTTP at /mcp instead (0: any free port,
// printed as `listening <port>`), 2026-07-28 alone with `--modern-only`.
import http from "node:http";
import { acceptedContent, createMcpHandler, inputRequired, McpServer } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { z } from "zod";

const nameSchema = { type: "object", properties: { name: { type: "string" } }, required: ["name"] };

function createServer() {
  const server = new McpServer({ name: "modern-test-server", version: "1.0.0" }, { capabilities: { tools: {} } });
  server.registerTool("echo", { inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
    content: [{ type: "text", text }],
  }));
  server.registerTool("caps", { inputSchema: z.object({}) }, async (_args, ctx) => ({
    content: [{ type: "text", text: JSON.stringify(ctx.mcpReq.envelope ?? null) }],
  }));
  server.registerTool("wait", { inputSchema: z.object({ id: z.string() }) }, async ({ id }, ctx) => {
    await new Promise((resolve) => ctx.mcpReq.signal.addEventListener("abort", resolve, { once: true }));
    process.stderr.write(`cancelled ${id}\n`);
    return { content: [] };
  });
  server.registerTool("ask_name", { inputSchema: z.object({}) }, async (_args, ctx) => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, "name");
    if (!answer) {
      return inputRequired({
        inputRequests: { name: inputRequired.elicit({ message: "What is your name?", requestedSchema: nameSchema }) },
        requestState: "asked-name",
      });
    }
    const state = ctx.mcpReq.requestState();
    return { content: [{ type: "text", text: `hello ${answer.name} (state ${state})` }] };
  });
  server.registerTool("ask_twice", { inputSchema: z.object({}) }, async (_args, ctx) => {
    const state = ctx.mcpReq.requestState();
    const answer = acceptedContent(ctx.mcpReq.inputResponses, "name");
    if (state === undefined || !answer) {
      return inputRequired({
        inputRequests: { name: inputRequired.elicit({ message: "First name?", requestedSchema: nameSchema }) },
        requestState: "round-1",
      });
    }
    if (state === "round-1") {
      return inputRequired({
        inputRequests: {
          name: inputRequired.elicit({ message: `Last name, ${answer.name}?`, requestedSchema: nameSchema }),
        },
        requestState: `round-2:${answer.name}`,
      });
    }
    return { content: [{ type: "text", text: `${String(state).slice("round-2:".length)} ${answer.name}` }] };
  });
  server.registerPrompt("greet", { description: "Asks whom to greet, then greets them" }, async (ctx) => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, "name");
    if (!answer) {
      return inputRequired({
        inputRequests: { name: inputRequired.elicit({ message: "Whom shall I greet?", requestedSchema: nameSchema }) },
        requestState: "asked-greet",
      });
    }
    return { messages: [{ role: "user", content: { type: "text", text: `Greet ${answer.name}` } }] };
  });
  server.registerResource("diary", "diary://today", { mimeType: "text/plain" }, async (uri, ctx) => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, "name");
    if (!answer) {
      return inputRequired({
        inputRequests: { name: inputRequired.elicit({ message: "Whose diary?", requestedSchema: nameSchema }) },
        requestState: "asked-diary",
      });
    }
    return { contents: [{ uri: uri.href, text: `${answer.name}'s diary (state ${ctx.mcpReq.requestState()})` }] };
  });
  return server;
}

const httpAt = process.argv.indexOf("--http");
if (httpAt === -1) {
  serveStdio(createServer);
} else {
  // `--modern-only`: 2025 requests are refused, as a server that speaks 2026-07-28 alone does.
  const handler = createMcpHandler(createServer, {
    legacy: process.argv.includes("--modern-only") ? "reject" : "stateless",
  });
  const httpServer = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    // The client closing its end is how 2026-07-28 cancels a request over HTTP.
    const closed = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) closed.abort();
    });
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      signal: closed.signal,
      headers: Object.entries(req.headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])),
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
    });
    const response = await handler.fetch(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return res.end();
    for await (const chunk of response.body) res.write(chunk);
    res.end();
  });
  httpServer.listen(Number(process.argv[httpAt + 1] ?? 0), "127.0.0.1", () => {
    console.log(`listening ${httpServer.address().port}`);
  });
}
