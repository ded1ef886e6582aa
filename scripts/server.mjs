#!/usr/bin/env node
// The production app server: Next.js serves the UI and the API, and the MCP gateway endpoint
// (/api/mcp/<gateway>) is answered directly, ahead of Next.js's router.
//   node scripts/server.mjs [--port 3000] [--hostname 0.0.0.0]     (PORT also sets the port)
// With ARCHESTRA_INTERNAL_PORT, a second listener on that port answers only what replicas ask of
// each other and metrics (lib/http/internal-front.ts); the public port answers 404 for those.
import http from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";
import next from "next";
import { requestEntry } from "./request-entry.mjs";

const { values } = parseArgs({ options: { port: { type: "string" }, hostname: { type: "string" } } });
const port = Number(values.port ?? process.env.PORT ?? 3000);
const hostname = values.hostname;
const FRONT = Symbol.for("mcp-orchestrator.gateway-front");
const SHUTDOWN = Symbol.for("mcp-orchestrator.shutdown");
const INTERNAL = Symbol.for("mcp-orchestrator.internal-front");
const internalPort = process.env.ARCHESTRA_INTERNAL_PORT?.trim() ? Number(process.env.ARCHESTRA_INTERNAL_PORT) : null;
if (
  internalPort !== null &&
  (!Number.isInteger(internalPort) || internalPort < 1 || internalPort > 65535 || internalPort === port)
) {
  console.error("ARCHESTRA_INTERNAL_PORT: expected a port number from 1 to 65535, other than the public port");
  process.exit(1);
}

const app = next({ dev: false, dir: path.resolve(import.meta.dirname, ".."), hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

/** A path whose percent-encoding is broken names nothing; Next.js would answer it with a 500. */
function malformedPath(url) {
  try {
    decodeURIComponent(url.split("?")[0]);
    return false;
  } catch {
    return true;
  }
}

/** Replica routes live on the internal listener only (however the path is spelled). */
function internalPath(url) {
  try {
    const p = decodeURIComponent(url.split("?")[0])
      .replace(/[\\/]+/g, "/")
      .toLowerCase();
    return p === "/api/internal" || p.startsWith("/api/internal/");
  } catch {
    return false;
  }
}

const entry = requestEntry({
  trustedProxies: process.env.ARCHESTRA_TRUSTED_PROXIES,
  secureCookies: process.env.ARCHESTRA_SECURE_COOKIES,
  publicUrl: process.env.ARCHESTRA_PUBLIC_URL,
});
const server = http.createServer((req, res) => {
  // Security headers; forwarded headers believed only from trusted proxies; control characters refused.
  if (!entry(req, res)) return;
  // Installed by the app at start-up (instrumentation.ts); until then Next.js serves every path.
  if (globalThis[FRONT]?.(req, res)) return;
  // Checked only for what Next.js serves (the gateway front decodes its own paths).
  if (malformedPath(req.url ?? "/")) {
    res.writeHead(400, { "content-type": "application/json" });
    res.end(
      JSON.stringify({ error: { code: "bad_request", message: "The request path is not valid percent-encoding." } }),
    );
    return;
  }
  if (internalPath(req.url ?? "/")) {
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "not_found", message: "No such endpoint." } }));
    return;
  }
  handle(req, res);
});
const internal =
  internalPort === null
    ? null
    : http.createServer((req, res) => {
        const front = globalThis[INTERNAL];
        if (front) return front(req, res);
        res.writeHead(503, { "content-type": "application/json", "retry-after": "1" });
        res.end(JSON.stringify({ error: "starting" }));
      });
internal?.listen(internalPort, hostname, () =>
  console.log(`Internal listener (replicas, metrics) on http://${hostname ?? "localhost"}:${internalPort}`),
);
server.listen(port, hostname, () => {
  console.log(`MCP Orchestrator listening on http://${hostname ?? "localhost"}:${port}`);
  // Next.js starts the app (instrumentation.ts: migrations, instances, the gateway front) at
  // its first request; make that now rather than at the first visitor's.
  const { address, family } = server.address();
  const host = address === "::" || address === "0.0.0.0" ? "127.0.0.1" : family === "IPv6" ? `[${address}]` : address;
  http.get(`http://${host}:${port}/api/health`, (res) => res.resume()).on("error", () => {});
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, async () => {
    const within = (ms, work) =>
      Promise.race([Promise.resolve(work).catch(() => {}), new Promise((r) => setTimeout(r, ms).unref())]);
    // Requests in progress finish first (up to 4 s: open event streams are not waited for), then
    // the app writes what it has pending (audit events), up to 5 s.
    await within(4000, Promise.all([server, internal].map((s) => s && new Promise((resolve) => s.close(resolve)))));
    await within(5000, globalThis[SHUTDOWN]?.());
    await app.close().catch(() => {});
    process.exit(0);
  });
}
