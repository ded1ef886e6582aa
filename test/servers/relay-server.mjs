#!/usr/bin/env node
// An MCP server that asks things of its client during tool calls, to test that a gateway
// relays them both ways: sampling, elicitation, roots, progress, logging, cancellation; and a
// note resource that can be subscribed to (set_note changes it and notifies subscribers).
// stdio by default; `--http <port>` serves streamable HTTP at /mcp instead (0: any free port,
// printed as `listening <port>`).
import { randomUUID } from "node:crypto";
import http from "node:http";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import {
  CallToolRequestSchema,
  CreateMessageResultSchema,
  ElicitResultSchema,
  ListRootsResultSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";

const NOTE = "relay://note";
let note = "first";
let cancelled = 0;
/** What became of each question ask_user_later asked, by question. */
const lateAnswers = {};

function createServer() {
  const server = new Server(
    { name: "relay-test-server", version: "1.0.0" },
    { capabilities: { tools: {}, logging: {}, resources: { subscribe: true } } },
  );
  const subscribed = new Set();
  server.setRequestHandler(ListResourcesRequestSchema, async () => ({
    resources: [{ uri: NOTE, name: "note", mimeType: "text/plain" }],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request) => ({
    contents: [{ uri: request.params.uri, mimeType: "text/plain", text: note }],
  }));
  server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    subscribed.add(request.params.uri);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    subscribed.delete(request.params.uri);
    return {};
  });

  const object = (properties = {}, required = []) => ({ type: "object", properties, required });
  const tools = [
    {
      name: "ask_model",
      description: "Asks the client's model (sampling).",
      inputSchema: object({ prompt: { type: "string" } }, ["prompt"]),
    },
    {
      name: "ask_user",
      description: "Asks the client's user (elicitation).",
      inputSchema: object({ question: { type: "string" } }, ["question"]),
    },
    { name: "list_roots", description: "Lists the client's roots.", inputSchema: object() },
    {
      name: "slow",
      description: "Counts to `steps`, with progress and a log message each step; stops when cancelled.",
      inputSchema: object({ steps: { type: "number" }, delayMs: { type: "number" } }, ["steps"]),
    },
    { name: "cancellations", description: "How many slow calls were cancelled so far.", inputSchema: object() },
    {
      name: "ask_user_later",
      description: "Waits `delayMs`, then asks the client's user, even if the call was cancelled meanwhile.",
      inputSchema: object({ question: { type: "string" }, delayMs: { type: "number" } }, ["question", "delayMs"]),
    },
    { name: "late_answers", description: "What became of each question ask_user_later asked.", inputSchema: object() },
    {
      name: "set_note",
      description: "Changes the note resource.",
      inputSchema: object({ text: { type: "string" } }, ["text"]),
    },
    { name: "subscriptions", description: "The resources subscribed to.", inputSchema: object() },
  ];

  const text = (value) => ({
    content: [{ type: "text", text: typeof value === "string" ? value : JSON.stringify(value) }],
  });

  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const args = request.params.arguments ?? {};
    switch (request.params.name) {
      case "ask_model": {
        const reply = await extra.sendRequest(
          {
            method: "sampling/createMessage",
            params: { messages: [{ role: "user", content: { type: "text", text: args.prompt } }], maxTokens: 100 },
          },
          CreateMessageResultSchema,
        );
        return text(`model (${reply.model}) said: ${reply.content.text}`);
      }
      case "ask_user": {
        const reply = await extra.sendRequest(
          {
            method: "elicitation/create",
            params: {
              mode: "form",
              message: args.question,
              requestedSchema: object({ answer: { type: "string" } }, ["answer"]),
            },
          },
          ElicitResultSchema,
        );
        return text({ action: reply.action, content: reply.content ?? null });
      }
      case "list_roots": {
        const reply = await extra.sendRequest({ method: "roots/list" }, ListRootsResultSchema);
        return text(reply.roots.map((r) => r.uri));
      }
      case "slow": {
        const steps = Number(args.steps);
        const delay = Number(args.delayMs ?? 50);
        for (let i = 1; i <= steps; i++) {
          await new Promise((r) => setTimeout(r, delay));
          if (extra.signal.aborted) {
            cancelled++;
            return text("cancelled");
          }
          await extra.sendNotification({
            method: "notifications/message",
            params: { level: "info", data: `step ${i}` },
          });
          const token = request.params._meta?.progressToken;
          if (token !== undefined)
            await extra.sendNotification({
              method: "notifications/progress",
              params: { progressToken: token, progress: i, total: steps },
            });
        }
        return text(`counted to ${steps}`);
      }
      case "cancellations":
        return text(String(cancelled));
      case "ask_user_later": {
        await new Promise((r) => setTimeout(r, Number(args.delayMs)));
        // Asked through the server rather than `extra`, which stops asking once the call is
        // cancelled: a server that goes on with a cancelled call, as in the report.
        try {
          const reply = await server.request(
            {
              method: "elicitation/create",
              params: {
                mode: "form",
                message: args.question,
                requestedSchema: object({ answer: { type: "string" } }, ["answer"]),
              },
            },
            ElicitResultSchema,
            { relatedRequestId: extra.requestId },
          );
          lateAnswers[args.question] = { action: reply.action, content: reply.content ?? null };
        } catch (err) {
          lateAnswers[args.question] = { refused: err.message };
        }
        return text(lateAnswers[args.question]);
      }
      case "late_answers":
        return text(lateAnswers);
      case "set_note":
        note = String(args.text);
        if (subscribed.has(NOTE)) await server.sendResourceUpdated({ uri: NOTE });
        return text("ok");
      case "subscriptions":
        return text([...subscribed]);
      default:
        return { isError: true, ...text(`unknown tool ${request.params.name}`) };
    }
  });

  return server;
}

const httpFlag = process.argv.indexOf("--http");
if (httpFlag < 0) {
  await createServer().connect(new StdioServerTransport());
} else {
  const sessions = new Map();
  const httpServer = http.createServer(async (req, res) => {
    const id = req.headers["mcp-session-id"];
    let transport = typeof id === "string" ? sessions.get(id) : undefined;
    if (!transport) {
      if (typeof id === "string") {
        res.writeHead(404).end();
        return;
      }
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (sessionId) => void sessions.set(sessionId, created),
      });
      created.onclose = () => created.sessionId && sessions.delete(created.sessionId);
      await createServer().connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res);
  });
  httpServer.listen(Number(process.argv[httpFlag + 1] ?? 0), "127.0.0.1", () => {
    console.log(`listening ${httpServer.address().port}`);
  });
}
