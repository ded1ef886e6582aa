import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { urlToHttpOptions } from "node:url";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage, MessageExtraInfo, RequestId } from "@modelcontextprotocol/sdk/types.js";
import { createParser } from "eventsource-parser";
import { readBody } from "@/lib/http/node-web";
import { isJsonRpcMessage } from "./json-rpc-message";

/**
 * The client side of MCP streamable HTTP over node:http with keep-alive connections: what the
 * gateway uses to reach remote servers on every call. It speaks the same protocol as the SDK's
 * StreamableHTTPClientTransport (POST per message, answers as JSON or an event stream, the
 * session id and protocol version headers, the GET event stream for what the server sends on its
 * own) without Fetch and web streams, which cost several times more CPU per call.
 * Not here: resuming a broken event stream from its last event id (a new stream is opened).
 */
export interface HttpClientTransportOptions {
  /** Sent with every request (a credential's API key header, for instance). */
  headers?: Record<string, string>;
  /** A bearer token for each request; asked again with the token the server refused (401), once. */
  bearer?: (refused?: string) => Promise<string>;
  /** Headers made for each request from its method and body (a request signature). */
  sign?: (method: string, body: string | undefined) => Record<string, string>;
}

/**
 * What the transport tells the client with a message the server sent on the event stream that
 * answers one of the client's requests: the id of that request, so that whatever the server asks
 * there can be relayed to that call's caller and nobody else.
 */
export interface CorrelatedMessageExtra extends MessageExtraInfo {
  relatedRequestId?: RequestId;
}

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
const RECONNECT_MS = 1000;
/** How much of an error answer's body is kept for the error message. */
const ERROR_BODY_BYTES = 500;

export class HttpClientTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: CorrelatedMessageExtra) => void;
  sessionId?: string;
  private protocolVersion?: string;
  private closed = false;
  private readonly open = new Set<http.ClientRequest>();
  /** The URL as request options, converted once rather than on every request. */
  private readonly target: http.RequestOptions;

  constructor(
    private readonly url: URL,
    private readonly options: HttpClientTransportOptions = {},
  ) {
    this.target = urlToHttpOptions(url);
  }

  async start(): Promise<void> {}

  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const res = await this.authorized("POST", JSON.stringify(message));
    const session = res.headers["mcp-session-id"];
    if (typeof session === "string") this.sessionId = session;
    const status = res.statusCode ?? 0;
    if (status === 202) {
      res.resume();
      if ("method" in message && message.method === "notifications/initialized") this.listen();
      return;
    }
    if (status < 200 || status >= 300) {
      const text = (await readBody(res, ERROR_BODY_BYTES)).toString();
      // The server no longer knows the session (it restarted): this connection is done, and the
      // next call opens a new one.
      if (status === 404 && this.sessionId) setImmediate(() => void this.close());
      throw new Error(`Error POSTing to endpoint (HTTP ${status}): ${text.slice(0, ERROR_BODY_BYTES)}`);
    }
    const type = res.headers["content-type"] ?? "";
    const related = "method" in message && "id" in message ? message.id : undefined;
    if (type.includes("text/event-stream")) {
      this.readEvents(res, undefined, related);
      return;
    }
    if (type.includes("application/json")) {
      const data: unknown = JSON.parse((await readBody(res, Number.POSITIVE_INFINITY)).toString());
      for (const m of Array.isArray(data) ? data : [data]) this.deliver(m);
      return;
    }
    res.resume();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const req of this.open) req.destroy();
    this.open.clear();
    this.onclose?.();
  }

  /**
   * Hands a message to the client. A response waits one microtask: the SDK runs notification
   * handlers a microtask later and forgets a request's progress handler when its response
   * arrives, so a progress notification read together with the response would be lost.
   */
  private deliver(message: unknown, related?: RequestId): void {
    if (!isJsonRpcMessage(message)) {
      this.onerror?.(new Error(`not a JSON-RPC message: ${JSON.stringify(message).slice(0, 200)}`));
      return;
    }
    const extra = related === undefined ? undefined : { relatedRequestId: related };
    if ("method" in message) this.onmessage?.(message, extra);
    else queueMicrotask(() => this.onmessage?.(message, extra));
  }

  /** The server's own event stream (GET): notifications and requests outside any call. */
  private listen(): void {
    if (this.closed) return;
    this.authorized("GET")
      .then((res) => {
        if (res.statusCode === 405) return void res.resume(); // the server offers none
        if (res.statusCode !== 200) {
          res.resume();
          throw new Error(`the server's event stream answered HTTP ${res.statusCode}`);
        }
        // A stream that was open and ended is opened again; one that could not open is reported.
        this.readEvents(res, () => setTimeout(() => this.listen(), RECONNECT_MS).unref());
      })
      .catch((err: Error) => {
        if (!this.closed) this.onerror?.(err);
      });
  }

  /** Reads an event stream; `related` names the request it answers (none for the GET stream). */
  private readEvents(res: IncomingMessage, onEnd?: () => void, related?: RequestId): void {
    const parser = createParser({
      onEvent: (event) => {
        if (event.event && event.event !== "message") return;
        try {
          this.deliver(JSON.parse(event.data), related);
        } catch (err) {
          this.onerror?.(err as Error);
        }
      },
    });
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => parser.feed(chunk));
    res.once("end", () => !this.closed && onEnd?.());
    res.once("error", (err) => {
      if (!this.closed) this.onerror?.(err);
    });
  }

  private async authorized(method: "GET" | "POST", body?: string): Promise<IncomingMessage> {
    const { bearer } = this.options;
    const token = bearer ? await bearer() : undefined;
    const res = await this.request(method, body, token);
    if (res.statusCode !== 401 || !bearer || !token) return res;
    res.resume();
    return this.request(method, body, await bearer(token));
  }

  private request(method: "GET" | "POST", body?: string, token?: string): Promise<IncomingMessage> {
    if (this.closed) return Promise.reject(new Error("the connection is closed"));
    const headers: Record<string, string> = {
      ...this.options.headers,
      ...this.options.sign?.(method, body),
      accept: method === "GET" ? "text/event-stream" : "application/json, text/event-stream",
    };
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(Buffer.byteLength(body));
    }
    if (this.sessionId) headers["mcp-session-id"] = this.sessionId;
    if (this.protocolVersion) headers["mcp-protocol-version"] = this.protocolVersion;
    if (token) headers.authorization = `Bearer ${token}`;
    const secure = this.url.protocol === "https:";
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request({
        ...this.target,
        method,
        headers,
        agent: secure ? agents.https : agents.http,
      });
      this.open.add(req);
      req.once("close", () => this.open.delete(req));
      req.once("response", resolve);
      req.once("error", reject);
      req.end(body);
    });
  }
}
