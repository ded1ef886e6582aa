import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** Versioned AES-256 keys: `current` (the highest version) seals, every version opens. */
export type Keyring = {
  current: number;
  keys: ReadonlyMap<number, Buffer>;
};

export class KeyringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyringError";
  }
}

const VARIABLE = "ARCHESTRA_ENCRYPTION_KEYS";
const KEY_BYTES = 32;
const HOW = "expected 32 bytes of base64 (generate one with: openssl rand -base64 32)";

// Messages quote only the version label and byte counts, never the key text: they end up in logs.
function decodeKey(text: string, version: number, where: string): Buffer {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    throw new KeyringError(`${where}: key version ${version} is not base64; ${HOW}`);
  }
  // Buffer's base64 decoder takes both alphabets, but normalising keeps a mixed-up paste from being misread.
  const key = Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  if (key.length !== KEY_BYTES) {
    throw new KeyringError(`${where}: key version ${version} decodes to ${key.length} bytes; ${HOW}`);
  }
  return key;
}

/**
 * Parses `<base64>` (one key, version 1) or `1:<base64>,2:<base64>`. The highest version
 * becomes current. `where` names the source in error messages (the variable, or a file).
 */
export function parseKeyring(spec: string, where = VARIABLE): Keyring {
  const parts = spec
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new KeyringError(`${where} is empty; ${HOW}`);
  const keys = new Map<number, Buffer>();
  for (const part of parts) {
    const colon = part.indexOf(":");
    // A bare key is only unambiguous on its own; in a list every key needs its version.
    const versionText = colon === -1 ? (parts.length === 1 ? "1" : "") : part.slice(0, colon).trim();
    const keyText = colon === -1 ? part : part.slice(colon + 1).trim();
    if (!/^[1-9][0-9]{0,8}$/.test(versionText)) {
      throw new KeyringError(
        `${where}: "${versionText || "(missing)"}" is not a key version; a version must be a positive integer, ` +
          "written as <version>:<base64>, e.g. 1:<key>,2:<key>",
      );
    }
    const version = Number(versionText);
    if (keys.has(version)) throw new KeyringError(`${where}: key version ${version} appears twice`);
    keys.set(version, decodeKey(keyText, version, where));
  }
  return { current: Math.max(...keys.keys()), keys };
}

export function formatKeyring(keyring: Keyring): string {
  return [...keyring.keys.entries()]
    .sort(([a], [b]) => a - b)
    .map(([v, k]) => `${v}:${k.toString("base64")}`)
    .join(",");
}

export function generateKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** A new keyring whose current key is a new version (for rotation); the old keys still open. */
export function addKeyVersion(keyring: Keyring, key: Buffer = generateKey()): Keyring {
  // Caught here rather than at the first seal, where it would surface as a confusing cipher error.
  if (key.length !== KEY_BYTES) throw new KeyringError(`a new key must be ${KEY_BYTES} bytes, not ${key.length}`);
  const current = keyring.current + 1;
  return { current, keys: new Map([...keyring.keys, [current, key]]) };
}

// Filesystems that refuse hard links (some network and FAT-style mounts).
const NO_HARD_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"]);

/** Creates `file` with `contents` unless it exists; true when this call created it. */
function createExclusively(file: string, contents: string): boolean {
  // Written aside and hard-linked into place: the name appears with its contents complete, or the
  // link fails with EEXIST, so a process starting alongside never reads an empty file, and a crash
  // mid-write leaves a stray temp file rather than an empty key file.
  const temp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  fs.writeFileSync(temp, contents, { mode: 0o600, flag: "wx" });
  try {
    fs.linkSync(temp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    if (code === "EEXIST") return false;
    if (!NO_HARD_LINKS.has(code)) throw err;
  } finally {
    fs.rmSync(temp, { force: true });
  }
  // O_EXCL still lets only one process write; readers wait out the moment it is empty (readSettled).
  try {
    fs.writeFileSync(file, contents, { mode: 0o600, flag: "wx" });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function readSettled(file: string): string {
  for (let attempt = 0; ; attempt++) {
    const text = fs.readFileSync(file, "utf8").trim();
    if (text || attempt >= 20) return text;
    sleepSync(50);
  }
}

/**
 * Reads the keyring from `file`, creating it with one new key (mode 0600) when missing.
 * Two processes starting at once end up with the same key. `insecureMode` reports a file that
 * other users could read or replace; the caller decides whether to warn.
 */
export function loadOrCreateKeyringFile(file: string): { keyring: Keyring; created: boolean; insecureMode: boolean } {
  let created = false;
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    created = createExclusively(file, `1:${generateKey().toString("base64")}\n`);
  }
  const keyring = parseKeyring(readSettled(file), `key file ${file}`);
  // Group/other write counts too: whoever can replace the key can read what is sealed after.
  const insecureMode = (fs.statSync(file).mode & 0o077) !== 0;
  return { keyring, created, insecureMode };
}
