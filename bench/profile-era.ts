/**
 * One build's gateway under one era's tools/call load and nothing else, to profile it: the app
 * as `npm start` serves it, a local stdio instance (server-everything) behind a gateway, 10
 * connections for SECONDS (10) after a 2 s warm-up; prints calls per second and the app's CPU
 * per call.
 *
 *   APP_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" \
 *     npx tsx --tsconfig tsconfig.json bench/profile-era.ts <2025|2026-07-28> [build directory]
 */
import path from "node:path";
import { type Exchange, hammer, MODERN, mcpSession, modernBody, modernHeaders } from "./load";
import { cpuSeconds, echoGateway, run, startApp } from "./support";

async function main() {
  const era = process.argv[2];
  if (era !== "2025" && era !== MODERN) throw new Error(`usage: bench/profile-era.ts <2025|${MODERN}> [dir]`);
  const app = await startApp(path.resolve(process.argv[3] ?? "."));
  const command = path.resolve("node_modules/.bin/mcp-server-everything");
  await app.api("/catalog", { kind: "local", name: "Everything", slug: "everything", command, args: ["stdio"] });
  const url = await echoGateway(app, "profile", "everything");
  const args = { name: "echo", arguments: { message: "x".repeat(64) } };
  const clients =
    era === MODERN
      ? Array(10).fill(modernHeaders({ token: app.token, method: "tools/call", name: args.name }))
      : await Promise.all(Array.from({ length: 10 }, () => mcpSession(url, app.token)));
  const body =
    era === MODERN
      ? (id: number) => modernBody(id, "tools/call", args)
      : (id: number) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":${JSON.stringify(args)}}`;
  const expected = (a: Exchange) => a.status === 200 && a.body.includes("Echo: x");
  await hammer({ url, clients, body, expected, seconds: 2 });
  const seconds = Number(process.env.SECONDS ?? 10);
  const before = cpuSeconds(app.pid);
  const result = await hammer({ url, clients, body, expected, seconds });
  const cpu = cpuSeconds(app.pid) - before;
  console.log(
    `${era}: ${result.perSecond.toFixed(0)} calls/s, ${result.errors} errors, app CPU ${((cpu * 1000) / result.ok).toFixed(3)} ms per call`,
  );
}

run(main);
