/**
 * A lean HTTP load generator for the benchmarks: keep-alive connections, one request body sent
 * over and over, every answer checked against the expected one. It costs the machine far less
 * than an MCP SDK client, so more of the 2 cores go to what is measured.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";

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

/**
 * One client per entry of `clients` (its headers: its own session) sends requests back to back
 * for `seconds`, each with its own id (`body(id)`); every answer must pass `expected`.
 */
export async function hammer(options: {
  url: string;
  clients: Record<string, string>[];
  body?: (id: number) => string;
  expected: (answer: Exchange) => boolean;
  seconds: number;
}): Promise<LoadResult> {
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  const end = performance.now() + options.seconds * 1000;
  await Promise.all(
    options.clients.map(async (headers) => {
      for (let id = 1; performance.now() < end; id++) {
        const answer = await post(options.url, headers, options.body?.(id)).catch(
          (err: Error): Exchange => ({ status: 0, headers: {}, body: err.message }),
        );
        if (options.expected(answer)) ok++;
        else {
          errors++;
          firstError ??= `${answer.status} ${answer.body.slice(0, 300)}`;
        }
      }
    }),
  );
  return { perSecond: ok / options.seconds, ok, errors, firstError };
}
