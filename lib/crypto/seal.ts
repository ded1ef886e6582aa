import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Keyring } from "./keyring";

/**
 * Where a sealed value lives. It is bound into the ciphertext as additional authenticated
 * data, so a value copied to another row, column, table or owner no longer opens.
 */
export type SealContext = {
  table: string;
  id: string;
  field?: string;
  owner?: string | null;
};

export type DecryptErrorCode = "malformed" | "unknown_key_version" | "auth_failed";

export class DecryptError extends Error {
  constructor(
    readonly code: DecryptErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "DecryptError";
  }
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = /^v([1-9][0-9]{0,8})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]{22})$/;

// Values already stored were sealed with exactly this AAD: changing its shape makes them unopenable.
// The version is in it so relabelling a value's version prefix fails authentication.
function aad(version: number, ctx: SealContext): Buffer {
  return Buffer.from(JSON.stringify([version, ctx.table, ctx.field ?? "", ctx.id, ctx.owner ?? ""]));
}

/** AES-256-GCM under the current key: `v<version>.<iv>.<ciphertext>.<tag>` (base64url parts). */
export function seal(keyring: Keyring, plaintext: string, ctx: SealContext): string {
  const version = keyring.current;
  const key = keyring.keys.get(version);
  if (!key) throw new DecryptError("unknown_key_version", `the keyring has no key version ${version}`);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(version, ctx));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [
    `v${version}`,
    iv.toString("base64url"),
    ciphertext.toString("base64url"),
    cipher.getAuthTag().toString("base64url"),
  ].join(".");
}

const malformed = () => new DecryptError("malformed", "the sealed value is not in the expected format");

// The decoder ignores stray trailing bits and impossible lengths; insisting on the canonical form
// gives each ciphertext exactly one spelling, so a compare-and-swap on the stored string is exact.
function decodePart(text: string): Buffer {
  const bytes = Buffer.from(text, "base64url");
  if (bytes.toString("base64url") !== text) throw malformed();
  return bytes;
}

function parse(sealed: string) {
  const m = typeof sealed === "string" ? FORMAT.exec(sealed) : null;
  if (!m) throw malformed();
  return {
    version: Number(m[1]),
    iv: decodePart(m[2] as string),
    ciphertext: decodePart(m[3] as string),
    tag: decodePart(m[4] as string),
  };
}

/** The key version a sealed value names (to find values still under a retired key). */
export function sealedKeyVersion(sealed: string): number {
  return parse(sealed).version;
}

/**
 * The plaintext, if `sealed` was sealed for exactly `ctx`. Error messages name the table and
 * field but never the key, the row or the plaintext, so they are safe to log.
 */
export function open(keyring: Keyring, sealed: string, ctx: SealContext): string {
  const { version, iv, ciphertext, tag } = parse(sealed);
  const key = keyring.keys.get(version);
  if (!key) {
    throw new DecryptError(
      "unknown_key_version",
      `no key version ${version} is configured (ARCHESTRA_ENCRYPTION_KEYS)`,
    );
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(version, ctx));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
  } catch {
    throw new DecryptError(
      "auth_failed",
      `the sealed value for ${ctx.table}.${ctx.field ?? "value"} failed authentication`,
    );
  }
}

export function sealJson<T>(keyring: Keyring, value: T, ctx: SealContext): string {
  // JSON.stringify returns undefined (not a string) for undefined, functions and symbols.
  const json: string | undefined = JSON.stringify(value);
  if (json === undefined) throw new TypeError("sealJson: the value has no JSON form");
  return seal(keyring, json, ctx);
}

export function openJson<T>(keyring: Keyring, sealed: string, ctx: SealContext): T {
  const text = open(keyring, sealed, ctx);
  try {
    return JSON.parse(text) as T;
  } catch {
    // JSON.parse's own message quotes the input, which here is the plaintext.
    throw new DecryptError("malformed", `the sealed value for ${ctx.table}.${ctx.field ?? "value"} is not JSON`);
  }
}

/** The value re-sealed under the current key when it uses an older one; null when current. */
export function resealIfStale(keyring: Keyring, sealed: string, ctx: SealContext): string | null {
  if (sealedKeyVersion(sealed) === keyring.current) return null;
  return seal(keyring, open(keyring, sealed, ctx), ctx);
}
