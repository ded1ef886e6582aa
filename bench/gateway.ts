/**
 * Gateway-added latency and throughput, through the real app (`npm start`'s server, embedded database):
 *   - the same upstream (server-everything over streamable HTTP) called directly and through a
 *     gateway that reaches it as a remote server, interleaved, after warm-up, same payload;
 *   - at 1 and 10 concurrent clients: p50 and p99 of each path and of the difference;
 *   - the floor under that: a bare node:http reverse proxy (bench/bare-proxy.mjs) in front of the
 *     same upstream, which adds the process hop and the HTTP exchanges and does nothing else;
 *   - a stdio server behind this gateway (a local instance) and behind supergateway, same client;
 *   - throughput of tools/call through one app process, 10 connections (and 32 to the local
 *     instance) for 5 s from a lean load generator (bench/load.ts, autocannon), every answer
 *     checked, with the app's and the load generator's CPU time per call; the same for
 *     supergateway, the remote upstream through the gateway and called directly;
 *   - the ceiling Next.js's router would set (its cheapest route handler under the same load,
 *     beside bare node:http), which is why the app server answers /api/mcp itself;
 *   - the same calls in 2026-07-28 (stateless: no session, the `_meta` envelope and the
 *     `Mcp-Method` / `Mcp-Name` headers on every request), latency with the SDK's v2 client
 *     pinned to that revision, throughput with the same lean load generator; and tools/list in
 *     both eras. server-everything speaks 2025 only (its transports are the v1 SDK's), so the
 *     gateway reaches it in 2025 for either caller: the same direct calls are the baseline.
 *
 *   npm run bench:gateway        (builds first; CALLS=2000 per path per level;
 *                                 BENCH_PORTS=<first>-<last> keeps its ports in a range)
 */
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernHttpTransport,
} from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { type Exchange, hammer, MODERN, mcpSession, modernBody, modernHeaders } from "./load";
import { benchPort, cpuSeconds, echoGateway, run, start, startApp, waitFor } from "./support";

const CALLS = Number(process.env.CALLS ?? 2000);

async function connect(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: "bench", version: "1" });
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

/** A client of the SDK's v2 line pinned to 2026-07-28: stateless, every request self-contained. */
async function connectModern(url: string, token?: string): Promise<ModernClient> {
  const client = new ModernClient({ name: "bench", version: "1" }, { versionNegotiation: { mode: { pin: MODERN } } });
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  await client.connect(new ModernHttpTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

/** What the latency loop needs of a client of either line. */
interface Caller {
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const ms = (x: number) => `${x.toFixed(2)} ms`;

async function main() {
  const upstreamPort = await benchPort();
  start(path.resolve("node_modules/.bin/mcp-server-everything"), ["streamableHttp"], { PORT: String(upstreamPort) });
  const upstream = `http://127.0.0.1:${upstreamPort}/mcp`;
  const bench = await startApp();
  const { url: app, token } = bench;
  await waitFor(upstream, (r) => r.status !== 0);
  await bench.api("/catalog", {
    kind: "remote",
    name: "Everything",
    slug: "everything",
    url: upstream,
    authKind: "none",
  });
  const gateway = await echoGateway(bench, "bench", "everything");
  const proxyPort = await benchPort();
  const proxy = start(process.execPath, [path.resolve("bench/bare-proxy.mjs"), String(proxyPort), upstream], {});
  const proxied = `http://127.0.0.1:${proxyPort}/mcp`;
  await waitFor(proxied, (r) => r.status !== 0);
  const args = { name: "echo", arguments: { message: "x".repeat(64) } };

  // A stdio server behind an HTTP front: ours (the gateway in front of a local instance) and
  // supergateway's (a stateful stdio-to-streamable-HTTP bridge), to compare like with like.
  await bench.api("/catalog", {
    kind: "local",
    name: "Everything (stdio)",
    slug: "everything-stdio",
    command: path.resolve("node_modules/.bin/mcp-server-everything"),
    args: ["stdio"],
  });
  await echoGateway(bench, "bench-stdio", "everything-stdio");
  const superPort = await benchPort();
  start(
    path.resolve("node_modules/.bin/supergateway"),
    [
      "--stdio",
      `${path.resolve("node_modules/.bin/mcp-server-everything")} stdio`,
      "--outputTransport",
      "streamableHttp",
      "--stateful",
      "--port",
      String(superPort),
    ],
    {},
  );
  const superUrl = `http://127.0.0.1:${superPort}/mcp`;
  await waitFor(superUrl, (r) => r.status !== 0);

  const stdioServer = {
    command: path.resolve("node_modules/.bin/mcp-server-everything"),
    args: ["stdio"],
  };
  const paths: { name: string; open: () => Promise<Caller> }[] = [
    { name: "direct", open: () => connect(upstream) },
    { name: "gateway", open: () => connect(gateway, token) },
    { name: "bare-proxy", open: () => connect(proxied) },
    { name: "supergateway", open: () => connect(superUrl) },
    { name: "gateway-stdio", open: () => connect(`${app}/api/mcp/bench-stdio`, token) },
    {
      name: "direct-stdio",
      open: async () => {
        const client = new Client({ name: "bench", version: "1" });
        await client.connect(new StdioClientTransport(stdioServer));
        return client;
      },
    },
    { name: "gateway-modern", open: () => connectModern(gateway, token) },
    { name: "gateway-stdio-modern", open: () => connectModern(`${app}/api/mcp/bench-stdio`, token) },
  ];
  const results: Record<number, Record<string, number[]>> = {};
  for (const concurrency of [1, 10]) {
    console.error(`latency, ${concurrency} client(s)…`);
    const clients = await Promise.all(
      paths.map(async (p) => Promise.all(Array.from({ length: concurrency }, () => p.open()))),
    );
    await Promise.all(
      clients.flat().map(async (c) => {
        for (let i = 0; i < 100; i++) await c.callTool(args);
      }),
    );
    const lat: Record<string, number[]> = Object.fromEntries(paths.map((p) => [p.name, []]));
    const perWorker = Math.ceil(CALLS / concurrency);
    await Promise.all(
      Array.from({ length: concurrency }, async (_, w) => {
        for (let i = 0; i < perWorker; i++) {
          // Interleaved: each worker takes every path in turn, so drift affects all alike.
          for (const [k, p] of paths.entries()) {
            const t = performance.now();
            await ((clients[k] as Caller[])[w] as Caller).callTool(args);
            lat[p.name]?.push(performance.now() - t);
          }
        }
      }),
    );
    results[concurrency] = lat;
    // Sessions end (supergateway then stops the server process it started for each), so what
    // follows runs on a machine as quiet as it was before.
    await Promise.all(
      clients.flat().map(async (c) => {
        if (c instanceof Client && c.transport instanceof StreamableHTTPClientTransport)
          await c.transport.terminateSession().catch(() => {});
        await c.close();
      }),
    );
  }
  const at = (c: number, name: string, p: number) => pct(results[c]?.[name] ?? [], p);
  const added = (c: number, name: string, base: string) =>
    `${ms(at(c, name, 50) - at(c, base, 50))} / ${ms(at(c, name, 99) - at(c, base, 99))}`;
  const rows = [1, 10].map(
    (c) =>
      `| ${c} | ${ms(at(c, "direct", 50))} / ${ms(at(c, "direct", 99))} | ${ms(at(c, "gateway", 50))} / ${ms(at(c, "gateway", 99))} | ${added(c, "gateway", "direct")} | ${added(c, "bare-proxy", "direct")} |`,
  );
  // server-everything speaks 2025 only (its transports are the v1 SDK's): the gateway reaches it
  // in 2025 for either caller, so both eras' added latency is measured against the same direct calls.
  const modernRows = [1, 10].map(
    (c) =>
      `| ${c} | ${ms(at(c, "gateway-modern", 50))} / ${ms(at(c, "gateway-modern", 99))} | ${added(c, "gateway-modern", "direct")} | ${added(c, "gateway", "direct")} | ${ms(at(c, "gateway-stdio-modern", 50))} / ${ms(at(c, "gateway-stdio-modern", 99))} | ${added(c, "gateway-stdio-modern", "direct-stdio")} | ${added(c, "gateway-stdio", "direct-stdio")} |`,
  );
  const stdioRows = [1, 10].map(
    (c) =>
      `| ${c} | ${ms(at(c, "direct-stdio", 50))} / ${ms(at(c, "direct-stdio", 99))} | ${ms(at(c, "gateway-stdio", 50))} / ${ms(at(c, "gateway-stdio", 99))} | ${added(c, "gateway-stdio", "direct-stdio")} | ${ms(at(c, "supergateway", 50))} / ${ms(at(c, "supergateway", 99))} | ${(at(c, "gateway-stdio", 50) / at(c, "supergateway", 50)).toFixed(2)} / ${(at(c, "gateway-stdio", 99) / at(c, "supergateway", 99)).toFixed(2)} |`,
  );

  // Throughput: a lean load generator (bench/load.ts), 10 keep-alive connections, every answer
  // checked; the app's CPU time per call read from /proc where there is one.
  // 2025-era calls ride a session per connection; 2026-07-28 ones carry everything themselves.
  const params = JSON.stringify(args);
  const echoed = (a: Exchange) =>
    a.status === 200 && a.body.includes(`Echo: ${args.arguments.message}`) && !a.body.includes('"isError":true');
  const listed = (a: Exchange) => a.status === 200 && a.body.includes('"name":"echo"');
  const throughput = async (
    url: string,
    bearer?: string,
    pid?: number,
    connections = 10,
    { modern = false, list = false } = {},
  ) => {
    console.error(`throughput${modern ? ` (${MODERN})` : ""}${list ? " tools/list" : ""}: ${url}…`);
    const method = list ? "tools/list" : "tools/call";
    const clients = modern
      ? Array(connections).fill(modernHeaders({ token: bearer, method, name: list ? undefined : args.name }))
      : await Promise.all(Array.from({ length: connections }, () => mcpSession(url, bearer)));
    const body = modern
      ? (id: number) => modernBody(id, method, list ? {} : args)
      : (id: number) => `{"jsonrpc":"2.0","id":${id},"method":"${method}","params":${list ? "{}" : params}}`;
    const load = (seconds: number) => hammer({ url, clients, body, expected: list ? listed : echoed, seconds });
    await load(1);
    const before = cpuSeconds(pid);
    const mine = process.cpuUsage();
    const result = await load(5);
    const cpu = cpuSeconds(pid) - before;
    const { user, system } = process.cpuUsage(mine);
    const perCall = (ms: number) => ms / Math.max(1, result.ok);
    return {
      ...result,
      cpuMsPerCall: pid ? perCall(cpu * 1000) : Number.NaN,
      loadMsPerCall: perCall((user + system) / 1000),
    };
  };
  const throughStdio = await throughput(`${app}/api/mcp/bench-stdio`, token, bench.pid);
  // More connections: more calls share each write to the instance and each turn of the event loop.
  const throughStdio32 = await throughput(`${app}/api/mcp/bench-stdio`, token, bench.pid, 32);
  const throughSuper = await throughput(superUrl);
  const throughRemote = await throughput(gateway, token, bench.pid);
  const remoteDirect = await throughput(upstream);
  const remoteProxied = await throughput(proxied, undefined, proxy.pid);
  const modern = { modern: true };
  const modernStdio = await throughput(`${app}/api/mcp/bench-stdio`, token, bench.pid, 10, modern);
  const modernStdio32 = await throughput(`${app}/api/mcp/bench-stdio`, token, bench.pid, 32, modern);
  const modernRemote = await throughput(gateway, token, bench.pid, 10, modern);
  const listLegacy = await throughput(`${app}/api/mcp/bench-stdio`, token, bench.pid, 10, { list: true });
  const listModern = await throughput(`${app}/api/mcp/bench-stdio`, token, bench.pid, 10, { modern: true, list: true });

  // The ceiling Next.js's router would set: its cheapest route handler (GET /api/health) under
  // the same load, next to a bare node:http server answering the same JSON.
  const ok200 = (a: Exchange) => a.status === 200;
  const ceiling = (url: string) => hammer({ url, clients: Array(10).fill({}), expected: ok200, seconds: 5 });
  const bare = http.createServer((_req, res) => res.end('{"status":"ok"}'));
  const barePort = await benchPort();
  await new Promise<void>((r) => bare.listen(barePort, "127.0.0.1", () => r()));
  const nextHealth = await ceiling(`${app}/api/health`);
  const bareHealth = await ceiling(`http://127.0.0.1:${(bare.address() as { port: number }).port}/`);
  bare.close();

  console.log(
    `\nGateway-added latency, echo tool, ${CALLS} calls per path per level, interleaved (${os.cpus().length} cores)\n`,
  );
  console.log(
    "| clients | direct p50 / p99 | through gateway p50 / p99 | added p50 / p99 | bare node:http proxy added p50 / p99 |\n|---|---|---|---|---|",
  );
  for (const r of rows) console.log(r);
  console.log(
    "\nA stdio server: called directly (SDK client over stdio), through this gateway (a local instance), and behind supergateway --stateful\n",
  );
  console.log(
    "| clients | direct (stdio) p50 / p99 | through gateway p50 / p99 | added p50 / p99 | supergateway p50 / p99 | gateway / supergateway p50 / p99 |\n|---|---|---|---|---|---|",
  );
  for (const r of stdioRows) console.log(r);
  console.log(
    `\nThe same calls from ${MODERN} callers (the SDK's v2 client pinned to it: no session, the _meta envelope and Mcp-Method / Mcp-Name on every request), interleaved with the calls above; added latency against the same direct calls (the server speaks 2025 only, so the gateway reaches it in 2025 either way), the 2025 callers' beside it\n`,
  );
  console.log(
    `| clients | remote: through gateway p50 / p99 | added p50 / p99 | 2025 added p50 / p99 | stdio: through gateway p50 / p99 | added p50 / p99 | 2025 added p50 / p99 |\n|---|---|---|---|---|---|---|`,
  );
  for (const r of modernRows) console.log(r);
  const row = (name: string, r: Awaited<ReturnType<typeof throughput>>) =>
    `| ${name} | ${r.perSecond.toFixed(0)} | ${r.errors}${r.firstError ? ` (${r.firstError})` : ""} | ${Number.isNaN(r.cpuMsPerCall) ? "" : `${r.cpuMsPerCall.toFixed(3)} ms`} | ${r.loadMsPerCall.toFixed(3)} ms |`;
  // (For the bare proxy, "app CPU" is the proxy process's.)
  console.log("\nThroughput, echo tool, 10 connections (unless said), 5 s, every answer checked\n");
  console.log(
    "| path | calls per second | errors | app CPU per call | load generator CPU per call |\n|---|---|---|---|---|",
  );
  console.log(row("gateway -> local stdio instance", throughStdio));
  console.log(row("the same, 32 connections", throughStdio32));
  console.log(row("supergateway -> the same stdio server", throughSuper));
  console.log(row("gateway -> remote streamable HTTP server", throughRemote));
  console.log(row("that remote server called directly", remoteDirect));
  console.log(row("the same through a bare node:http proxy", remoteProxied));
  console.log(row(`gateway -> local stdio instance, ${MODERN}`, modernStdio));
  console.log(row(`the same, 32 connections, ${MODERN}`, modernStdio32));
  console.log(row(`gateway -> remote streamable HTTP server, ${MODERN}`, modernRemote));
  console.log(row("tools/list, gateway (local stdio instance), 2025", listLegacy));
  console.log(row(`tools/list, the same, ${MODERN}`, listModern));
  console.log(
    `\nCeiling, same load: Next.js GET /api/health ${nextHealth.perSecond.toFixed(0)} requests per second; bare node:http ${bareHealth.perSecond.toFixed(0)}.`,
  );
}

run(main);
