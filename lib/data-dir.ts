import fs from "node:fs";
import path from "node:path";
import { getLogger } from "@/lib/log";

/**
 * The data directory holds the encryption keys, the session secret and the embedded database:
 * only the app's own user may read it. Directories are 0700 and files 0600, for what is
 * created from now on and for what an earlier version left readable.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the directory (and parents) if missing and makes it 0700. */
export function securePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmod(dir, PRIVATE_DIR_MODE);
}

/**
 * Makes a tree private: directories 0700, files 0600. Symbolic links are not followed, so
 * nothing outside the tree is touched.
 */
export function restrictTree(root: string): void {
  const stat = fs.lstatSync(root, { throwIfNoEntry: false });
  if (!stat || stat.isSymbolicLink()) return;
  if (!stat.isDirectory()) {
    if ((stat.mode & 0o777) !== PRIVATE_FILE_MODE) chmod(root, PRIVATE_FILE_MODE);
    return;
  }
  if ((stat.mode & 0o777) !== PRIVATE_DIR_MODE) chmod(root, PRIVATE_DIR_MODE);
  for (const entry of fs.readdirSync(root)) restrictTree(path.join(root, entry));
}

/**
 * New files and directories this process creates get no group or other permissions, as
 * PostgreSQL does for its own data directory: the embedded database (PGlite) creates its files
 * with the process's umask, so without this every table file is 0644.
 */
export function createPrivateFiles(): void {
  process.umask(0o077);
}

function chmod(file: string, mode: number): void {
  try {
    fs.chmodSync(file, mode);
  } catch (err) {
    // A volume owned by another user: the app still works, but the admin should know.
    getLogger().warn({ file, err: (err as Error).message }, "could not make a data file private");
  }
}
