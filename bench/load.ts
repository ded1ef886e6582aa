/**
 * A lean HTTP load generator for the benchmarks: keep-alive connections, one MCP session each,
 * every answer checked against the expected one. It costs the machine far less than an MCP SDK
 * client, so more of the 2 cores go to what is measured.
 */
import http from "node:http";
import autocannon from "autocannon";

export interface Exchange {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface LoadResult {
  perSecond: number;
  ok: number;
  errors: number;
  /** The first answer that was not the expected one. */
  firstError?: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export function post(url: string, headers: Record<string, string>, body?: string): Promise<Exchange> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname, method: body === undefined ? "GET" : "POST", agent, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    // An answer that never comes counts as an error rather than stalling the benchmark.
    req.setTimeout(30_000, () => req.destroy(new Error("no answer within 30 s")));
    req.end(body);
  });
}

/** Initializes an MCP session over plain HTTP; the headers every later request needs. */
export async function mcpSession(url: string, token?: string): Promise<Record<string, string>> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
  const init = await post(
    url,
    headers,
    JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } },
    }),
  );
  if (init.status !== 200) throw new Error(`initialize at ${url}: ${init.status} ${init.body}`);
  const session = init.headers["mcp-session-id"];
  const next = {
    ...headers,
    "mcp-protocol-version": "2025-06-18",
    ...(typeof session === "string" ? { "mcp-session-id": session } : {}),
  };
  await post(url, next, JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
  return next;
}

/** The revision of stateless MCP requests (no `initialize`, no session). */
export const MODERN = "2026-07-28";

/**
 * The headers of a 2026-07-28 request: no session; the method (and the tool's name for a
 * tools/call) ride in `Mcp-Method` / `Mcp-Name` beside the body, as the revision requires.
 */
export function modernHeaders(options: { token?: string; method: string; name?: string }): Record<string, string> {
  return {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    "mcp-protocol-version": MODERN,
    "mcp-method": options.method,
    ...(options.name ? { "mcp-name": options.name } : {}),
  };
}

/** A 2026-07-28 request's body: what the client is and can do travels in `_meta` on every request. */
export function modernBody(id: number, method: string, params: Record<string, unknown> = {}): string {
  const envelope = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientCapabilities": {},
  };
  return JSON.stringify({ jsonrpc: "2.0", id, method, params: { ...params, _meta: envelope } });
}

/**
 * One connection per entry of `clients` (its headers: its own session) sends requests back to
 * back for `seconds` through autocannon, whose HTTP client costs the machine a fraction of
 * node:http's; each request has its own id (`body(id)`) and every answer must pass `expected`.
 */
export async function hammer(options: {
  url: string;
  clients: Record<string, string>[];
  body?: (id: number) => string;
  expected: (answer: Exchange) => boolean;
  seconds: number;
}): Promise<LoadResult> {
  const { body, clients, expected } = options;
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  let connection = 0;
  let id = 0;
  const result = await autocannon({
    url: options.url,
    connections: clients.length,
    duration: options.seconds,
    timeout: 30,
    setupClient: (client) => client.setHeaders(clients[connection++ % clients.length]),
    requests: [
      {
        method: body ? "POST" : "GET",
        setupRequest: (request) => (body ? { ...request, body: body(++id) } : request),
        onResponse: (status, text, _context, headers) => {
          if (expected({ status, body: text, headers: headers as http.IncomingHttpHeaders })) ok++;
          else {
            errors++;
            firstError ??= `${status} ${text.slice(0, 300)}`;
          }
        },
      },
    ],
  });
  // Connection errors and timeouts never reach onResponse.
  errors += result.errors + result.timeouts;
  if (result.errors + result.timeouts > 0)
    firstError ??= `${result.errors} connection errors, ${result.timeouts} timeouts`;
  return { perSecond: ok / options.seconds, ok, errors, firstError };
}
