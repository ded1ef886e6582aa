import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { urlToHttpOptions } from "node:url";
import {
  type JSONRPCMessage,
  type MessageExtraInfo,
  type RequestId,
  SdkErrorCode,
  SdkHttpError,
  type Transport,
  type TransportSendOptions,
} from "@modelcontextprotocol/client";
import { createParser } from "eventsource-parser";
import { readBody } from "@/lib/http/node-web";
import { isJsonRpcMessage, maxUpstreamMessageBytes, tooLargeAnswer } from "./json-rpc-message";
import { modernRequestHeaders } from "./standard-headers";

/**
 * The client side of MCP streamable HTTP over node:http with keep-alive connections: what the
 * gateway uses to reach remote servers on every call. It speaks the same protocol as the SDK's
 * StreamableHTTPClientTransport (POST per message, answers as JSON or an event stream, the
 * session id and protocol version headers, the GET event stream for what the server sends on its
 * own) without Fetch and web streams, which cost several times more CPU per call.
 * Every answer is bounded: a JSON answer or one event larger than `maxMessageBytes` is dropped and
 * the call it answered fails with an error answer; a call's stream is closed when the call is
 * cancelled (the client gave up on it) or soon after its answer came, so a server that streams
 * forever holds nothing for long. Other calls on the connection go on.
 * 2026-07-28 requests (those whose `_meta` names the revision) carry the revision's standard
 * headers (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`) and the per-request headers the
 * client adds (`Mcp-Param-*`); closing a call's stream cancels it there.
 * Kept rather than the SDK's StreamableHTTPClientTransport because that one runs on Fetch (the
 * CPU cost above), cannot cap what it reads, and does not tell which call's stream a server's
 * request came on, which the relay rule needs (route-rule.ts).
 * Not here: resuming a broken event stream from its last event id (a new stream is opened).
 */
export interface HttpClientTransportOptions {
  /** Sent with every request (a credential's API key header, for instance). */
  headers?: Record<string, string>;
  /** A bearer token for each request; asked again with the token the server refused (401), once. */
  bearer?: (refused?: string) => Promise<string>;
  /** Headers made for each request from its method and body (a request signature). */
  sign?: (method: string, body: string | undefined) => Record<string, string>;
  /** The largest JSON answer or event accepted (bytes); ARCHESTRA_GATEWAY_MAX_UPSTREAM_MESSAGE_MB by default. */
  maxMessageBytes?: number;
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
/** How long a call's event stream may stay open after the call's answer came. */
const AFTER_ANSWER_MS = 1000;

export class HttpClientTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: CorrelatedMessageExtra) => void;
  sessionId?: string;
  /** Each request is its own POST: aborting `requestSignal` ends it (the 2026-07-28 cancellation). */
  readonly hasPerRequestStream = true;
  private protocolVersion?: string;
  private closed = false;
  private readonly open = new Set<http.ClientRequest>();
  /** The POST of each call still in progress, by request id: ended when the call is cancelled. */
  private readonly calls = new Map<RequestId, http.ClientRequest>();
  private readonly maxMessageBytes: number;
  /** The URL as request options, converted once rather than on every request. */
  private readonly target: http.RequestOptions;

  constructor(
    private readonly url: URL,
    private readonly options: HttpClientTransportOptions = {},
  ) {
    this.target = urlToHttpOptions(url);
    this.maxMessageBytes = options.maxMessageBytes ?? maxUpstreamMessageBytes();
  }

  async start(): Promise<void> {}

  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const id = "method" in message && "id" in message ? (message.id as RequestId) : undefined;
    // The client gave up on a call (timeout or the caller's cancellation): its stream is not read further.
    if ("method" in message && message.method === "notifications/cancelled") {
      const cancelled = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      if (cancelled !== undefined) this.calls.get(cancelled)?.destroy();
    }
    const modern = modernRequestHeaders(message, options?.headers);
    const signal = options?.requestSignal;
    if (id !== undefined && signal) {
      if (signal.aborted) return;
      signal.addEventListener("abort", () => this.calls.get(id)?.destroy(), { once: true });
    }
    const res = await this.authorized("POST", JSON.stringify(message), id, modern);
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
      if (!res.complete) res.destroy();
      // The server no longer knows the session (it restarted): this connection is done, and the
      // next call opens a new one.
      if (status === 404 && this.sessionId) setImmediate(() => void this.close());
      // A 2026-07-28 server refuses a request with a JSON-RPC error as the body of a 400: that
      // error is the request's answer (the era probe reads it too).
      if (status === 400 && modern && id !== undefined && this.deliverErrorBody(text, id)) return;
      throw new SdkHttpError(
        SdkErrorCode.ClientHttpNotImplemented,
        `Error POSTing to endpoint (HTTP ${status}): ${text.slice(0, ERROR_BODY_BYTES)}`,
        { status, statusText: res.statusMessage ?? "", text },
      );
    }
    const type = res.headers["content-type"] ?? "";
    if (type.includes("text/event-stream")) {
      this.readEvents(res, { call: id });
      return;
    }
    if (type.includes("application/json")) {
      const bytes = await readBody(res, this.maxMessageBytes);
      if (bytes.length > this.maxMessageBytes) {
        res.destroy();
        this.tooLarge(id);
        return;
      }
      const data: unknown = JSON.parse(bytes.toString());
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
    this.calls.clear();
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

  /** Delivers `text` when it is a JSON-RPC error answering request `id`. */
  private deliverErrorBody(text: string, id: RequestId): boolean {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return false;
    }
    const m = body as { id?: unknown; error?: unknown };
    if (!isJsonRpcMessage(body) || m.id !== id || m.error === undefined) return false;
    this.deliver(body);
    return true;
  }

  /** A call whose answer was too large gets an error answer instead; the size is reported. */
  private tooLarge(id: RequestId | undefined): void {
    this.onerror?.(new Error(`the server sent a message larger than ${this.maxMessageBytes} bytes: dropped`));
    if (id !== undefined) queueMicrotask(() => this.onmessage?.(tooLargeAnswer(id, this.maxMessageBytes)));
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
        this.readEvents(res, { onEnd: () => setTimeout(() => this.listen(), RECONNECT_MS).unref() });
      })
      .catch((err: Error) => {
        if (!this.closed) this.onerror?.(err);
      });
  }

  /**
   * Reads an event stream: a call's (POST; `call` is its request id, told with each message so
   * that what the server asks there reaches that call's caller only) or the server's own (GET).
   * An event over the size limit ends the stream: the call fails, the server's own stream is
   * opened again.
   */
  private readEvents(res: IncomingMessage, options: { call?: RequestId; onEnd?: () => void }): void {
    const { call, onEnd } = options;
    let answered = false;
    let ended = false;
    const finish = () => {
      if (ended) return;
      ended = true;
      if (!this.closed) onEnd?.();
    };
    const parser = createParser({
      maxBufferSize: this.maxMessageBytes,
      onEvent: (event) => {
        if (event.event && event.event !== "message") return;
        let message: unknown;
        try {
          message = JSON.parse(event.data);
        } catch (err) {
          this.onerror?.(err as Error);
          return;
        }
        this.deliver(message, call);
        const m = message as { id?: unknown; method?: unknown };
        if (call !== undefined && m.method === undefined && m.id === call && !answered) {
          answered = true;
          // The answer ends the call: a server that keeps its stream open after it is cut off.
          setTimeout(() => res.destroy(), AFTER_ANSWER_MS).unref();
        }
      },
      onError: (err) => {
        if (err.type !== "max-buffer-size-exceeded") return;
        res.destroy();
        if (!answered) this.tooLarge(call);
        answered = true;
        finish();
      },
    });
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      if (!ended) parser.feed(chunk);
    });
    res.once("end", finish);
    res.once("close", finish);
    res.once("error", (err) => {
      if (!this.closed && !ended) this.onerror?.(err);
    });
  }

  private async authorized(
    method: "GET" | "POST",
    body?: string,
    call?: RequestId,
    extra?: Record<string, string>,
  ): Promise<IncomingMessage> {
    const { bearer } = this.options;
    const token = bearer ? await bearer() : undefined;
    const res = await this.request(method, body, token, call, extra);
    if (res.statusCode !== 401 || !bearer || !token) return res;
    res.resume();
    return this.request(method, body, await bearer(token), call, extra);
  }

  private request(
    method: "GET" | "POST",
    body?: string,
    token?: string,
    call?: RequestId,
    extra?: Record<string, string>,
  ): Promise<IncomingMessage> {
    if (this.closed) return Promise.reject(new Error("the connection is closed"));
    const headers: Record<string, string> = {
      ...extra,
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
    // The request's own revision wins over the connection's (the era probe has none yet).
    if (extra?.["mcp-protocol-version"]) headers["mcp-protocol-version"] = extra["mcp-protocol-version"];
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
      if (call !== undefined) this.calls.set(call, req);
      req.once("close", () => {
        this.open.delete(req);
        if (call !== undefined && this.calls.get(call) === req) this.calls.delete(call);
      });
      req.once("response", resolve);
      req.once("error", reject);
      req.end(body);
    });
  }
}
