/**
 * A copy of a package folder with its dependencies installed, kept in a cache folder under a name
 * that hashes the folder's files: the first run installs, later runs with the same files reuse it.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export interface CachedInstallOptions {
  /** The package folder to copy (read-only is fine); its node_modules, if any, is left out. */
  source: string;
  /** Where installed copies are kept, e.g. node_modules/.cache/mcp-conformance. */
  cacheDir: string;
  /** The copy's name in the cache, before its hash. */
  name: string;
  /** Installs the dependencies in `dir` (a fresh copy of `source`), e.g. with `npm ci`. */
  install: (dir: string) => Promise<void>;
}

export interface CachedInstall {
  dir: string;
  /** False when this call installed it. */
  cached: boolean;
}

/**
 * Returns the installed copy of `source`, installing it first when the cache has none for the
 * folder's current files. The copy is installed under a temporary name and renamed when done, so
 * an interrupted install is never mistaken for a finished one; older copies of the same name (and
 * installs that a killed run left behind) are then removed.
 */
export async function cachedInstall(opts: CachedInstallOptions): Promise<CachedInstall> {
  const dir = path.join(opts.cacheDir, `${opts.name}-${folderHash(opts.source)}`);
  if (fs.existsSync(dir)) return { dir, cached: true };
  fs.mkdirSync(opts.cacheDir, { recursive: true });
  const work = fs.mkdtempSync(path.join(opts.cacheDir, `.${opts.name}-installing-`));
  try {
    fs.cpSync(opts.source, work, { recursive: true, filter: (src) => path.basename(src) !== "node_modules" });
    // The source may be read-only (a shared folder); the copy is ours to install into and delete.
    makeWritable(work);
    await opts.install(work);
    try {
      fs.renameSync(work, dir);
    } catch (err) {
      // Another run finished the same install first: use theirs.
      if (!fs.existsSync(dir)) throw err;
      fs.rmSync(work, { recursive: true, force: true });
    }
  } catch (err) {
    fs.rmSync(work, { recursive: true, force: true });
    throw err;
  }
  for (const entry of fs.readdirSync(opts.cacheDir)) {
    const other = path.join(opts.cacheDir, entry);
    const older = entry.startsWith(`${opts.name}-`) && other !== dir;
    // An install that a killed run left behind (one running now is younger than an hour).
    const abandoned =
      entry.startsWith(`.${opts.name}-installing-`) && Date.now() - fs.statSync(other).mtimeMs > 3_600_000;
    if (older || abandoned) fs.rmSync(other, { recursive: true, force: true });
  }
  return { dir, cached: false };
}

/** A short hash of a folder's file names and contents (node_modules left out), plus the platform. */
export function folderHash(root: string): string {
  const hash = createHash("sha256").update(`${process.platform}-${process.arch}\n`);
  const walk = (rel: string) => {
    const entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name === "node_modules") continue;
      const child = path.posix.join(rel, e.name);
      if (e.isDirectory()) walk(child);
      else if (e.isFile()) {
        const content = fs.readFileSync(path.join(root, child));
        hash.update(`${child}\0${content.length}\0`).update(content);
      }
    }
  };
  walk("");
  return hash.digest("hex").slice(0, 16);
}

function makeWritable(dir: string): void {
  fs.chmodSync(dir, 0o755);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) makeWritable(p);
    else if (e.isFile()) fs.chmodSync(p, 0o644);
  }
}
