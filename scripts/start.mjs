#!/usr/bin/env node
// `npm start`: builds when the build is missing or older than the sources, then serves the app.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const buildId = path.join(root, ".next", "BUILD_ID");
const SOURCES = ["app", "lib", "db", "components", "public", "instrumentation.ts", "next.config.ts", "package.json"];

function newestMtime(p) {
  const stat = fs.statSync(p, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

const built = fs.statSync(buildId, { throwIfNoEntry: false });
const sourcesChanged = !built || SOURCES.some((s) => newestMtime(path.join(root, s)) > built.mtimeMs);
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
const appServer = path.join(root, "scripts", "server.mjs");

if (sourcesChanged) {
  console.log(built ? "Sources changed since the last build; building…" : "No build yet; building…");
  const result = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const args = [appServer, "--port", process.env.PORT || "3000"];
const server = spawn(process.execPath, args, { cwd: root, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
