import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { getDatabase } from "@/db";
import { getAuthSecret, getKeyring } from "@/lib/app-secrets";
import { type Env, parseEnv } from "@/lib/env";
import { restrictTree } from "./data-dir";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "data-dir-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every path under root with its permission bits (symbolic links left out). */
function modes(root: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (p: string) => {
    const stat = fs.lstatSync(p);
    if (stat.isSymbolicLink()) return;
    out.set(path.relative(root, p) || ".", stat.mode & 0o777);
    if (stat.isDirectory()) for (const entry of fs.readdirSync(p)) walk(path.join(p, entry));
  };
  walk(root);
  return out;
}

function expectPrivate(root: string) {
  const found = modes(root);
  expect(found.size).toBeGreaterThan(1);
  for (const [p, mode] of found) {
    const isDir = fs.statSync(path.join(root, p)).isDirectory();
    expect({ path: p, mode: mode.toString(8) }).toEqual({ path: p, mode: isDir ? "700" : "600" });
  }
}

describe("the data directory", () => {
  it("restrictTree makes an open tree private without following links out of it", () => {
    const root = path.join(tmp, "tree");
    fs.mkdirSync(path.join(root, "a", "b"), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(root, "a", "b", "file"), "x", { mode: 0o644 });
    fs.writeFileSync(path.join(root, "top"), "x", { mode: 0o666 });
    fs.chmodSync(root, 0o755);
    const outside = path.join(tmp, "outside");
    fs.writeFileSync(outside, "x", { mode: 0o644 });
    fs.chmodSync(outside, 0o644);
    fs.symlinkSync(outside, path.join(root, "link"));
    restrictTree(root);
    expectPrivate(root);
    expect(fs.statSync(outside).mode & 0o777).toBe(0o644);
  });

  it("is 0700 with 0600 files once the app has started on it, also when an old version left it open", async () => {
    // What an earlier version left: an open directory, readable secrets and database files.
    const dataDir = path.join(tmp, "data");
    fs.mkdirSync(path.join(dataDir, "pglite", "base"), { recursive: true });
    for (const dir of [dataDir, path.join(dataDir, "pglite"), path.join(dataDir, "pglite", "base")]) {
      fs.chmodSync(dir, 0o755);
    }
    fs.writeFileSync(path.join(dataDir, "auth-secret"), `${"s".repeat(43)}\n`);
    fs.chmodSync(path.join(dataDir, "auth-secret"), 0o644);
    fs.writeFileSync(path.join(dataDir, "pglite", "base", "stale"), "x");
    fs.chmodSync(path.join(dataDir, "pglite", "base", "stale"), 0o644);

    const envKey = Symbol.for("mcp-orchestrator.env");
    const g = globalThis as typeof globalThis & Record<symbol, unknown>;
    g[envKey] = { ...parseEnv({ ARCHESTRA_DATA_DIR: dataDir, ARCHESTRA_LOG_LEVEL: "silent" }) } satisfies Env;
    try {
      getKeyring();
      expect(getAuthSecret()).toBe("s".repeat(43));
      const { db, close } = getDatabase();
      // The database creates files as it works, after start too.
      await sql`create table t (x int)`.execute(db);
      await sql`insert into t select generate_series(1, 5000)`.execute(db);
      await sql`checkpoint`.execute(db);
      expectPrivate(dataDir);
      await close();
    } finally {
      delete g[envKey];
      delete g[Symbol.for("mcp-orchestrator.db")];
      delete g[Symbol.for("mcp-orchestrator.secrets")];
    }
  });
});
