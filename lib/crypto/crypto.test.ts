import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  addKeyVersion,
  formatKeyring,
  generateKey,
  KeyringError,
  loadOrCreateKeyringFile,
  parseKeyring,
} from "./keyring";
import { DecryptError, open, openJson, resealIfStale, seal, sealedKeyVersion, sealJson } from "./seal";

const ring = parseKeyring(generateKey().toString("base64"));
const ctx = { table: "credentials", field: "sealed_secret", id: "row-1", owner: "user-1" };

const failure = (fn: () => unknown) => {
  try {
    fn();
    return "opened";
  } catch (err) {
    return err instanceof DecryptError ? err.code : `unexpected ${err}`;
  }
};

function tamper(sealed: string, part: number): string {
  const parts = sealed.split(".");
  const bytes = Buffer.from(parts[part] as string, "base64url");
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  parts[part] = bytes.toString("base64url");
  return parts.join(".");
}

describe("seal and open", () => {
  it("round-trips text, including unicode and the empty string, with a fresh IV each time", () => {
    for (const text of ["sk-live-123", "", "ключ 🔑 with spaces", "x".repeat(10_000)]) {
      expect(open(ring, seal(ring, text, ctx), ctx)).toBe(text);
    }
    expect(seal(ring, "same", ctx)).not.toBe(seal(ring, "same", ctx));
    expect(openJson(ring, sealJson(ring, { GITHUB_TOKEN: "ghp_1" }, ctx), ctx)).toEqual({ GITHUB_TOKEN: "ghp_1" });
  });

  it("never shows the plaintext in the sealed form", () => {
    expect(seal(ring, "sk-live-visible", ctx)).not.toContain("sk-live-visible");
  });

  it("rejects a tampered IV, ciphertext or tag", () => {
    const sealed = seal(ring, "secret value", ctx);
    for (const part of [1, 2, 3]) expect(failure(() => open(ring, tamper(sealed, part), ctx))).toBe("auth_failed");
  });

  it("rejects a value moved to another row, field, table or owner", () => {
    const sealed = seal(ring, "secret value", ctx);
    for (const moved of [
      { ...ctx, id: "row-2" },
      { ...ctx, field: "other" },
      { ...ctx, table: "catalog_items" },
      { ...ctx, owner: "user-2" },
      { ...ctx, owner: null },
    ]) {
      expect(failure(() => open(ring, sealed, moved))).toBe("auth_failed");
    }
  });

  it("rejects a changed version prefix, unknown versions and malformed input", () => {
    const two = addKeyVersion(ring);
    const sealed = seal(two, "secret", ctx);
    expect(sealedKeyVersion(sealed)).toBe(2);
    // Relabelled as version 1: the key differs and the version is in the AAD.
    expect(failure(() => open(two, sealed.replace(/^v2\./, "v1."), ctx))).toBe("auth_failed");
    expect(failure(() => open(ring, sealed, ctx))).toBe("unknown_key_version");
    for (const bad of ["", "v1", "plain text", "v0.a.b.c", `${sealed}.extra`]) {
      expect(failure(() => open(ring, bad, ctx))).toBe("malformed");
    }
  });

  it("rotates: old values still open, resealIfStale moves them to the new key", () => {
    const old = seal(ring, "rotate me", ctx);
    const rotated = addKeyVersion(ring);
    expect(open(rotated, old, ctx)).toBe("rotate me");
    const fresh = resealIfStale(rotated, old, ctx);
    expect(fresh && sealedKeyVersion(fresh)).toBe(2);
    expect(open(rotated, fresh as string, ctx)).toBe("rotate me");
    expect(resealIfStale(rotated, fresh as string, ctx)).toBeNull();
    // Once version 1 is retired, only the re-sealed value opens.
    const retired = parseKeyring(formatKeyring(rotated).split(",")[1] as string);
    expect(retired.current).toBe(2);
    expect(open(retired, fresh as string, ctx)).toBe("rotate me");
    expect(failure(() => open(retired, old, ctx))).toBe("unknown_key_version");
  });
});

describe("keyring", () => {
  const key = generateKey().toString("base64");

  it("parses one key or a versioned list, the highest version current", () => {
    expect(parseKeyring(key).current).toBe(1);
    const k = parseKeyring(` 1:${key} , 3:${generateKey().toString("base64url")} `);
    expect(k.current).toBe(3);
    expect([...k.keys.keys()]).toEqual([1, 3]);
    expect(
      parseKeyring(formatKeyring(k))
        .keys.get(1)
        ?.equals(k.keys.get(1) as Buffer),
    ).toBe(true);
  });

  it("explains every mistake and names the variable", () => {
    const message = (spec: string) => {
      try {
        parseKeyring(spec);
        return "parsed";
      } catch (err) {
        expect(err).toBeInstanceOf(KeyringError);
        return (err as Error).message;
      }
    };
    expect(message("")).toMatch(/ARCHESTRA_ENCRYPTION_KEYS is empty/);
    expect(message(Buffer.alloc(16).toString("base64"))).toMatch(/decodes to 16 bytes.*openssl rand -base64 32/);
    expect(message(`1:${key},1:${key}`)).toMatch(/version 1 appears twice/);
    expect(message(`0:${key}`)).toMatch(/"0" is not a key version/);
    expect(message(`1:not base64!`)).toMatch(/not base64/);
    expect(message(`1:${key},${key}`)).toMatch(/not a key version/);
  });

  it("creates a 0600 key file once and reads it back; a corrupt file names its path", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keys-"));
    const file = path.join(dir, "nested", "encryption-keys");
    const first = loadOrCreateKeyringFile(file);
    expect(first.created).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const second = loadOrCreateKeyringFile(file);
    expect(second.created).toBe(false);
    expect(second.insecureMode).toBe(false);
    expect(second.keyring.keys.get(1)?.equals(first.keyring.keys.get(1) as Buffer)).toBe(true);
    fs.writeFileSync(file, "garbage!");
    expect(() => loadOrCreateKeyringFile(file)).toThrow(file);
    fs.rmSync(dir, { recursive: true });
  });
});
