import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** Versioned AES-256 keys: `current` seals, every version opens. */
export interface Keyring {
  current: number;
  keys: ReadonlyMap<number, Buffer>;
}

export class KeyringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyringError";
  }
}

const VARIABLE = "ARCHESTRA_ENCRYPTION_KEYS";
const HOW = "expected 32 bytes of base64 (generate one with: openssl rand -base64 32)";

function decodeKey(text: string, version: number, where: string): Buffer {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    throw new KeyringError(`${where}: key version ${version} is not base64; ${HOW}`);
  }
  const key = Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  if (key.length !== 32) {
    throw new KeyringError(`${where}: key version ${version} decodes to ${key.length} bytes; ${HOW}`);
  }
  return key;
}

/**
 * Parses `<base64>` (one key, version 1) or `1:<base64>,2:<base64>`. The highest version
 * becomes current. `where` names the source in error messages.
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
    const versionText = colon === -1 ? (parts.length === 1 ? "1" : "") : part.slice(0, colon).trim();
    const keyText = colon === -1 ? part : part.slice(colon + 1).trim();
    if (!/^[1-9][0-9]{0,8}$/.test(versionText)) {
      throw new KeyringError(
        `${where}: "${versionText || "(missing)"}" is not a key version; write each key as <version>:<base64> with versions 1, 2, …`,
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

export const generateKey = (): Buffer => randomBytes(32);

/** A new keyring whose current key is a new version (for rotation). */
export function addKeyVersion(keyring: Keyring, key: Buffer = generateKey()): Keyring {
  const current = keyring.current + 1;
  return { current, keys: new Map([...keyring.keys, [current, key]]) };
}

/**
 * Reads the keyring from `file`, creating it with one new key (mode 0600) when missing.
 * Creation uses O_EXCL, so two processes starting at once end up with the same key.
 */
export function loadOrCreateKeyringFile(file: string): { keyring: Keyring; created: boolean; insecureMode: boolean } {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let created = false;
  try {
    fs.writeFileSync(file, `1:${generateKey().toString("base64")}\n`, { mode: 0o600, flag: "wx" });
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const keyring = parseKeyring(fs.readFileSync(file, "utf8").trim(), file);
  const insecureMode = (fs.statSync(file).mode & 0o077) !== 0;
  return { keyring, created, insecureMode };
}
