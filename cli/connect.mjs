#!/usr/bin/env node
// A stdio bridge to a gateway, for MCP clients that only launch commands:
//   ARCHESTRA_TOKEN=<token> node cli/connect.mjs http://localhost:3000/api/mcp/<gateway>
// Messages are passed through unchanged in both directions; the token goes in the
// Authorization header of every request and nowhere else.
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";

/** How long answers still due may hold up the exit once the client has closed stdin. */
const ANSWER_WAIT_MS = 30_000;
/** How long ending the gateway session (DELETE) may hold up the exit. */
const END_SESSION_TIMEOUT_MS = 2_000;

/** The message in a gateway's error answer (JSON-RPC or API), else the SDK's words. */
function gatewayMessage(err) {
  try {
    return JSON.parse(/\{.*\}/s.exec(err.message)?.[0] ?? "").error.message ?? err.message;
  } catch {
    return err.message;
  }
}

/** What went wrong talking to the gateway, in words that say what to do. */
function describeFailure(err) {
  // The SDK's StreamableHTTPError carries the HTTP status as its code.
  const status = typeof err?.code === "number" && err.code > 0 ? err.code : undefined;
  if (status === 401 || status === 403) {
    return `the gateway refused the token (HTTP ${status}: ${gatewayMessage(err)}) - check ARCHESTRA_TOKEN (or the token saved by login), or create one on the Tokens page`;
  }
  if (status) return `the gateway answered HTTP ${status}: ${gatewayMessage(err)}`;
  if (err instanceof TypeError && err.message === "fetch failed") {
    return `gateway unreachable: ${err.cause?.message ?? err.message}`;
  }
  return `gateway: ${err?.message ?? err}`;
}

export async function connect(url, token) {
  if (!url) throw new Error("usage: connect <gateway URL> (token in ARCHESTRA_TOKEN)");
  if (!token) throw new Error("set ARCHESTRA_TOKEN to a token from the Tokens page");
  const upstream = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  const local = new StdioServerTransport();
  /** Requests from the client not answered yet: when stdin ends, their answers are still delivered. */
  const unanswered = new Set();
  /** Initialize requests in flight, each with the release of the messages queued behind it. */
  const initializing = new Map();
  /** Messages after an initialize wait for its answer, which brings the session id they must carry. */
  let initialized = Promise.resolve();
  /** Messages from the client on their way to the gateway. */
  const sending = new Set();
  let lastWrite = Promise.resolve();
  let stdinEnded = false;
  let ending = false;

  const toClient = (message) => {
    lastWrite = local.send(message);
  };
  const end = async () => {
    if (ending) return;
    ending = true;
    await Promise.allSettled(sending);
    // Ends the session's subscriptions on the gateway; a gateway that does not answer does not hold up the exit.
    await Promise.race([
      upstream.terminateSession().catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, END_SESSION_TIMEOUT_MS).unref()),
    ]);
    await lastWrite;
    await upstream.close();
  };
  const answered = (id) => {
    unanswered.delete(id);
    initializing.get(id)?.();
    initializing.delete(id);
    if (stdinEnded && unanswered.size === 0) void end();
  };
  const forward = (message) =>
    upstream.send(message).catch((err) => {
      // A request that could not be delivered still gets an answer, so the client does not hang.
      if (message.id === undefined || message.method === undefined) return;
      toClient({ jsonrpc: "2.0", id: message.id, error: { code: -32603, message: describeFailure(err) } });
      answered(message.id);
    });

  local.onmessage = (message) => {
    if (message.id !== undefined && message.method !== undefined) unanswered.add(message.id);
    // A request the client cancelled may never be answered: it no longer holds up the exit.
    if (message.method === "notifications/cancelled") unanswered.delete(message.params?.requestId);
    const before = initialized;
    if (message.method === "initialize" && message.id !== undefined) {
      initialized = new Promise((release) => initializing.set(message.id, release));
    }
    // Counted from now, not from when it is sent, so that ending waits for messages still queued.
    const delivered = before.then(() => forward(message));
    sending.add(delivered);
    void delivered.finally(() => sending.delete(delivered));
  };
  upstream.onmessage = (message) => {
    const isAnswer = message.id !== undefined && message.method === undefined;
    if (isAnswer && initializing.has(message.id) && message.result?.protocolVersion) {
      upstream.setProtocolVersion(message.result.protocolVersion);
    }
    toClient(message);
    if (isAnswer) answered(message.id);
  };
  upstream.onerror = (err) => process.stderr.write(`${describeFailure(err)}\n`);
  local.onclose = () => void end();
  upstream.onclose = () => process.exit(0);
  // The SDK's stdio transport does not notice the end of stdin; the client closing it means it is done.
  process.stdin.once("end", () => {
    stdinEnded = true;
    if (unanswered.size === 0) void end();
    // Answers still due get a while to arrive, not forever.
    else setTimeout(() => void end(), ANSWER_WAIT_MS).unref();
  });
  await upstream.start();
  await local.start();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  connect(process.argv[2], process.env.ARCHESTRA_TOKEN).catch((err) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
}
