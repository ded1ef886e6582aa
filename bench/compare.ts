/**
 * Two builds of the app side by side under the same load, in turn: the way to see what a change
 * does to the gateway on a machine whose speed drifts from minute to minute. Each build serves a
 * local stdio instance (server-everything) behind a gateway; 10 connections (CONNS) call `echo`
 * for 2 s on one, then the other, SLICES times; the totals are calls per second and the app's CPU
 * time per call, with each load's ratio to the other build's 2025-era calls.
 *
 * Each build is loaded with 2025-era calls (a session per connection, as 2025-06-18 clients
 * send them) and, where it serves the revision, with stateless 2026-07-28 calls (the `_meta`
 * envelope, `Mcp-Method` / `Mcp-Name` headers, no session) in slices of their own.
 *
 *   npx tsx --tsconfig tsconfig.json bench/compare.ts <other build's directory>
 *
 * The other directory is a built checkout, for example:
 *   git worktree add ../base <commit> && (cd ../base && npm ci && npx next build)
 * This checkout must be built too (`npx next build`).
 */
import path from "node:path";
import { type Exchange, hammer, MODERN, mcpSession, modernBody, modernHeaders, post } from "./load";
import { cpuSeconds, echoGateway, run, startApp } from "./support";

const args = { name: "echo", arguments: { message: "x".repeat(64) } };
const echoed = (a: Exchange) => a.status === 200 && a.body.includes("Echo: x") && !a.body.includes('"isError":true');

/** One way of loading one build: its endpoint, one set of headers per connection, the request. */
interface Load {
  url: string;
  pid: number;
  clients: Record<string, string>[];
  body: (id: number) => string;
}

/** One build's app with a gateway in front of a local stdio instance; its loads by era. */
async function serve(dir: string): Promise<{ legacy: Load; modern?: Load }> {
  const app = await startApp(dir);
  const command = path.resolve("node_modules/.bin/mcp-server-everything");
  await app.api("/catalog", { kind: "local", name: "Everything", slug: "everything", command, args: ["stdio"] });
  const url = await echoGateway(app, "compare", "everything");
  const connections = Number(process.env.CONNS ?? 10);
  const legacy: Load = {
    url,
    pid: app.pid,
    clients: await Promise.all(Array.from({ length: connections }, () => mcpSession(url, app.token))),
    body: (id) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":${JSON.stringify(args)}}`,
  };
  const headers = modernHeaders({ token: app.token, method: "tools/call", name: args.name });
  const body = (id: number) => modernBody(id, "tools/call", args);
  // A build from before 2026-07-28 refuses the request; it is then loaded in 2025 only.
  const probe = await post(url, headers, body(0));
  if (!echoed(probe)) {
    console.log(`${path.basename(path.resolve(dir))}: no ${MODERN} (${probe.status} ${probe.body.slice(0, 120)})`);
    return { legacy };
  }
  return { legacy, modern: { url, pid: app.pid, clients: Array(connections).fill(headers), body } };
}

async function main() {
  const other = process.argv[2];
  if (!other) throw new Error("usage: bench/compare.ts <other build's directory>");
  const otherName = path.basename(path.resolve(other));
  const builds = { [otherName]: await serve(path.resolve(other)), this: await serve(".") };
  const loads: [string, Load][] = [];
  for (const [name, b] of Object.entries(builds)) {
    loads.push([`${name} 2025`, b.legacy]);
    if (b.modern) loads.push([`${name} ${MODERN}`, b.modern]);
  }
  const totals = Object.fromEntries(loads.map(([k]) => [k, { ok: 0, errors: 0, cpu: 0, seconds: 0 }]));
  const slices = Number(process.env.SLICES ?? 10);
  // The first round warms all up and is not counted.
  for (let round = -1; round < slices; round++) {
    for (const [name, load] of loads) {
      const before = cpuSeconds(load.pid);
      const result = await hammer({ ...load, expected: echoed, seconds: 2 });
      if (result.errors) console.log(`${name}: ${result.errors} errors, first: ${result.firstError}`);
      const total = totals[name];
      if (round < 0 || !total) continue;
      total.ok += result.ok;
      total.errors += result.errors;
      total.cpu += cpuSeconds(load.pid) - before;
      total.seconds += 2;
    }
  }
  const rate = (name: string) => {
    const t = totals[name];
    return t ? t.ok / t.seconds : Number.NaN;
  };
  const cpuPerCall = (name: string) => {
    const t = totals[name];
    return t ? (t.cpu * 1000) / t.ok : Number.NaN;
  };
  const base = `${otherName} 2025`;
  console.log(
    `\ntools/call of echo, ${loads.length} loads in turn, ${slices} slices of 2 s each, ${legacyConnections(loads)} connections\n`,
  );
  console.log(
    `| build and era | calls/s | errors | app CPU per call | calls/s vs ${base} | CPU per call vs ${base} |\n|---|---|---|---|---|---|`,
  );
  for (const [name] of loads) {
    console.log(
      `| ${name} | ${rate(name).toFixed(0)} | ${totals[name]?.errors ?? 0} | ${cpuPerCall(name).toFixed(3)} ms | ${(rate(name) / rate(base)).toFixed(2)} | ${(cpuPerCall(name) / cpuPerCall(base)).toFixed(2)} |`,
    );
  }
  const modern = `this ${MODERN}`;
  if (totals[modern])
    console.log(
      `\nthis build, ${MODERN} / 2025: ${(rate(modern) / rate("this 2025")).toFixed(2)} times the calls per second, ${(cpuPerCall(modern) / cpuPerCall("this 2025")).toFixed(2)} times the app's CPU per call`,
    );
}

const legacyConnections = (loads: [string, Load][]) => loads[0]?.[1].clients.length ?? 0;

run(main);
