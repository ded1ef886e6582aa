import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { expect } from "@playwright/test";
import pg from "pg";
import { freePort } from "@/lib/net/free-port";

/**
 * Two app processes (`node scripts/server.mjs`, as `npm start` runs it) on one PostgreSQL schema
 * of their own, each with a public port and an internal one that its replica URL names. For the
 * specs that prove any replica serves any request.
 */
const SERVER = path.resolve("scripts/server.mjs");

export interface Replicas {
  /** Each replica's public address. */
  bases: [string, string];
  /** Each replica's internal listener (replicas, metrics). */
  internals: [string, string];
  /** The replicas' schema, and a connection to their database (for checking what they wrote). */
  schema: string;
  db: pg.Client;
  /** Stops the replicas (and `children`) and drops the schema. */
  stop(): Promise<void>;
}

async function ready(base: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(`${base}/api/ready`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${base} not ready`);
}

/** Starts two replicas on TEST_DATABASE_URL with `env`; processes started alongside go in `children`. */
export async function startReplicas(
  name: string,
  env: Record<string, string>,
  children: ChildProcess[],
): Promise<Replicas> {
  const schema = `${name}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const dbUrl = new URL(process.env.TEST_DATABASE_URL as string);
  dbUrl.searchParams.set("options", `-c search_path=${schema}`);
  const bases: string[] = [];
  const internals: string[] = [];
  for (const _ of [1, 2]) {
    const port = await freePort();
    const internalPort = await freePort();
    const internal = `http://127.0.0.1:${internalPort}`;
    children.push(
      spawn(process.execPath, [SERVER, "--port", String(port), "--hostname", "127.0.0.1"], {
        env: {
          ...process.env,
          DATABASE_URL: dbUrl.toString(),
          ARCHESTRA_LOG_LEVEL: "warn",
          // Replicas reach each other on the internal listener only.
          ARCHESTRA_REPLICA_URL: internal,
          ARCHESTRA_INTERNAL_PORT: String(internalPort),
          ...env,
        },
        stdio: process.env.DEBUG_REPLICAS ? "inherit" : "ignore",
      }),
    );
    bases.push(`http://127.0.0.1:${port}`);
    internals.push(internal);
  }
  await Promise.all(bases.map(ready));
  return {
    bases: bases as [string, string],
    internals: internals as [string, string],
    schema,
    db: admin,
    async stop() {
      for (const c of children) c.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 500));
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    },
  };
}

/** The management API of a replica: the answer's JSON (null for 204), failing the test on an error. */
export async function callApi(base: string, route: string, method: string, token: string | null, body?: unknown) {
  const r = await fetch(`${base}/api/v1${route}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(r.ok, `${method} ${route}: ${r.status} ${r.ok ? "" : await r.text()}`).toBe(true);
  return r.status === 204 ? null : r.json();
}

/** Waits until the app has discovered a server's tools (once its instance answers): the gateway knows them from then on. */
export async function toolsDiscovered(base: string, token: string, slug: string): Promise<void> {
  await expect
    .poll(
      async () =>
        ((await callApi(base, "/catalog", "GET", token)) as { items: { slug: string; tools: unknown[] }[] }).items.find(
          (i) => i.slug === slug,
        )?.tools.length ?? 0,
      { timeout: 60_000 },
    )
    .toBeGreaterThan(0);
}

/** An MCP client of a gateway on `base`, with a bearer token. */
export async function gatewayClient(base: string, gateway: string, token: string): Promise<Client> {
  const client = new Client({ name: "e2e", version: "1" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${base}/api/mcp/${gateway}`), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

/**
 * Proves one memory server (`memory__*` tools) behind every client: each writes an entity in
 * turn, and each then reads all of them.
 */
export async function expectOneMemoryServer(clients: Client[]): Promise<void> {
  const names = clients.map((_, i) => `via-${i}`);
  for (const [i, c] of clients.entries())
    await c.callTool({
      name: "memory__create_entities",
      arguments: { entities: [{ name: names[i], entityType: "note", observations: [] }] },
    });
  for (const c of clients) {
    const graph = JSON.stringify((await c.callTool({ name: "memory__read_graph", arguments: {} })).content);
    for (const name of names) expect(graph).toContain(name);
  }
}
