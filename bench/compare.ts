/**
 * Two builds of the app side by side under the same load, in turn: the way to see what a change
 * does to the gateway on a machine whose speed drifts from minute to minute. Each build serves a
 * local stdio instance (server-everything) behind a gateway; 10 connections (CONNS) call `echo`
 * for 2 s on one, then the other, SLICES times; the totals are calls per second and the app's CPU
 * time per call.
 *
 *   npx tsx --tsconfig tsconfig.json bench/compare.ts <other build's directory>
 *
 * The other directory is a built checkout, for example:
 *   git worktree add ../base <commit> && (cd ../base && npm ci && npx next build)
 * This checkout must be built too (`npx next build`).
 */
import path from "node:path";
import { hammer, mcpSession } from "./load";
import { cpuSeconds, echoGateway, run, startApp } from "./support";

/** One build's app with a gateway in front of a local stdio instance, and its sessions. */
async function serve(dir: string) {
  const app = await startApp(dir);
  const command = path.resolve("node_modules/.bin/mcp-server-everything");
  await app.api("/catalog", { kind: "local", name: "Everything", slug: "everything", command, args: ["stdio"] });
  const url = await echoGateway(app, "compare", "everything");
  const clients = await Promise.all(
    Array.from({ length: Number(process.env.CONNS ?? 10) }, () => mcpSession(url, app.token)),
  );
  return { url, clients, pid: app.pid };
}

async function main() {
  const other = process.argv[2];
  if (!other) throw new Error("usage: bench/compare.ts <other build's directory>");
  const builds = { [path.basename(path.resolve(other))]: await serve(path.resolve(other)), this: await serve(".") };
  const params = JSON.stringify({ name: "echo", arguments: { message: "x".repeat(64) } });
  const totals = Object.fromEntries(Object.keys(builds).map((k) => [k, { ok: 0, cpu: 0, seconds: 0 }]));
  const slices = Number(process.env.SLICES ?? 10);
  // The first round warms both up and is not counted.
  for (let round = -1; round < slices; round++) {
    for (const [name, build] of Object.entries(builds)) {
      const before = cpuSeconds(build.pid);
      const result = await hammer({
        url: build.url,
        clients: build.clients,
        body: (id) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":${params}}`,
        expected: (a) => a.status === 200 && a.body.includes("Echo: x"),
        seconds: 2,
      });
      if (result.errors) console.log(`${name}: ${result.errors} errors, first: ${result.firstError}`);
      const total = totals[name];
      if (round < 0 || !total) continue;
      total.ok += result.ok;
      total.cpu += cpuSeconds(build.pid) - before;
      total.seconds += 2;
    }
  }
  for (const [name, t] of Object.entries(totals)) {
    console.log(
      `${name}: ${(t.ok / t.seconds).toFixed(0)} calls/s, app CPU ${((t.cpu * 1000) / t.ok).toFixed(3)} ms per call`,
    );
  }
}

run(main);
