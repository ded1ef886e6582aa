import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cachedInstall } from "./cached-install";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) {
    fs.chmodSync(d, 0o755);
    fs.rmSync(d, { recursive: true, force: true });
  }
});

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "cached-install-"));
  dirs.push(d);
  return d;
}

/** A package folder like the reference server's: read-only files and a lock file. */
function source(lock: string): string {
  const src = tmp();
  fs.writeFileSync(path.join(src, "package.json"), '{"name":"x"}');
  fs.writeFileSync(path.join(src, "package-lock.json"), lock);
  fs.mkdirSync(path.join(src, "node_modules"));
  fs.writeFileSync(path.join(src, "node_modules", "stale.js"), "left behind");
  for (const f of ["package.json", "package-lock.json"]) fs.chmodSync(path.join(src, f), 0o444);
  return src;
}

describe("cachedInstall", () => {
  it("installs a copy once, and reuses it while the folder's files are unchanged", async () => {
    const src = source("v1");
    const cacheDir = tmp();
    const installs: string[] = [];
    const install = async (dir: string) => {
      installs.push(dir);
      fs.writeFileSync(path.join(dir, "package-lock.json"), "the install may write to its copy");
      fs.mkdirSync(path.join(dir, "node_modules"));
    };
    const first = await cachedInstall({ source: src, cacheDir, name: "reference", install });
    expect(first.cached).toBe(false);
    expect(fs.existsSync(path.join(first.dir, "node_modules"))).toBe(true);
    // The source's own node_modules is not copied.
    expect(fs.existsSync(path.join(first.dir, "node_modules", "stale.js"))).toBe(false);

    const second = await cachedInstall({ source: src, cacheDir, name: "reference", install });
    expect(second).toEqual({ dir: first.dir, cached: true });
    expect(installs).toHaveLength(1);
  });

  it("installs again when a file changes, and removes the older copy", async () => {
    const src = source("v1");
    const cacheDir = tmp();
    const install = async () => {};
    const first = await cachedInstall({ source: src, cacheDir, name: "reference", install });
    fs.chmodSync(path.join(src, "package-lock.json"), 0o644);
    fs.writeFileSync(path.join(src, "package-lock.json"), "v2");
    const second = await cachedInstall({ source: src, cacheDir, name: "reference", install });
    expect(second.cached).toBe(false);
    expect(second.dir).not.toBe(first.dir);
    expect(fs.readdirSync(cacheDir)).toEqual([path.basename(second.dir)]);
  });

  it("leaves nothing behind when the install fails, so the next run installs again", async () => {
    const src = source("v1");
    const cacheDir = tmp();
    await expect(
      cachedInstall({
        source: src,
        cacheDir,
        name: "suite",
        install: async () => {
          throw new Error("npm ci failed");
        },
      }),
    ).rejects.toThrow("npm ci failed");
    expect(fs.readdirSync(cacheDir)).toEqual([]);
    const again = await cachedInstall({ source: src, cacheDir, name: "suite", install: async () => {} });
    expect(again.cached).toBe(false);
  });

  it("keeps copies of other names", async () => {
    const cacheDir = tmp();
    const a = await cachedInstall({ source: source("a"), cacheDir, name: "reference", install: async () => {} });
    const b = await cachedInstall({ source: source("b"), cacheDir, name: "suite", install: async () => {} });
    expect(fs.readdirSync(cacheDir).sort()).toEqual([path.basename(a.dir), path.basename(b.dir)].sort());
  });
});
