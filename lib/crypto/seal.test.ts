import { describe, expect, it } from "vitest";
import { addKeyVersion, generateKey, type Keyring, parseKeyring } from "./keyring";
import {
  DecryptError,
  type DecryptErrorCode,
  open,
  openJson,
  resealIfStale,
  type SealContext,
  seal,
  sealedKeyVersion,
  sealJson,
} from "./seal";

const ring = parseKeyring(generateKey().toString("base64"));
const ctx: SealContext = { table: "credentials", field: "sealed_secret", id: "row-1", owner: "user-1" };

/** The DecryptError code `fn` throws, "opened" when it does not throw, or a description of anything else. */
function failure(fn: () => unknown): DecryptErrorCode | string {
  try {
    fn();
    return "opened";
  } catch (err) {
    return err instanceof DecryptError ? err.code : `unexpected ${String(err)}`;
  }
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`threw a non-Error: ${String(err)}`);
  }
  throw new Error("did not throw");
}

/** `sealed` with one bit flipped in byte `index` of part `part` (1 = IV, 2 = ciphertext, 3 = tag). */
function flipBit(sealed: string, part: number, index = 0): string {
  const parts = sealed.split(".");
  const bytes = Buffer.from(parts[part] as string, "base64url");
  bytes[index] = (bytes[index] ?? 0) ^ 1;
  parts[part] = bytes.toString("base64url");
  return parts.join(".");
}

const partsOf = (sealed: string) => {
  const [version, iv, ciphertext, tag] = sealed.split(".") as [string, string, string, string];
  return {
    version,
    iv: Buffer.from(iv, "base64url"),
    ciphertext: Buffer.from(ciphertext, "base64url"),
    tag: Buffer.from(tag, "base64url"),
  };
};

describe("seal and open", () => {
  it("round-trips text, including unicode, the empty string and long values", () => {
    for (const text of ["sk-live-123", "", "ключ 🔑 with spaces", "e\u0301\u0000\n\t", "x".repeat(100_000)]) {
      expect(open(ring, seal(ring, text, ctx), ctx)).toBe(text);
    }
  });

  it("round-trips with a minimal context (no field, no owner)", () => {
    const bare = { table: "oauth_states", id: "state-1" };
    expect(open(ring, seal(ring, "payload", bare), bare)).toBe("payload");
  });

  it("writes v<version>.<12-byte IV>.<ciphertext>.<16-byte tag> in base64url, hiding the plaintext", () => {
    const text = "sk-live-visible ✓";
    const sealed = seal(ring, text, ctx);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    const p = partsOf(sealed);
    expect(p.iv.length).toBe(12);
    expect(p.tag.length).toBe(16);
    // GCM is a stream mode: ciphertext is exactly as long as the UTF-8 plaintext.
    expect(p.ciphertext.length).toBe(Buffer.byteLength(text, "utf8"));
    expect(p.ciphertext.equals(Buffer.from(text, "utf8"))).toBe(false);
    expect(sealed).not.toContain("sk-live-visible");
    expect(sealed).not.toContain(Buffer.from(text).toString("base64url"));
  });

  it("uses a fresh random IV each time, so equal plaintexts seal differently", () => {
    const seen = new Set<string>();
    const ivs = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const sealed = seal(ring, "same", ctx);
      seen.add(sealed);
      ivs.add(sealed.split(".")[1] as string);
      expect(open(ring, sealed, ctx)).toBe("same");
    }
    expect(seen.size).toBe(50);
    expect(ivs.size).toBe(50);
  });

  it("always seals with the current (highest) key version", () => {
    const three = addKeyVersion(addKeyVersion(ring));
    expect(three.current).toBe(3);
    const sealed = seal(three, "x", ctx);
    expect(sealed.startsWith("v3.")).toBe(true);
    expect(sealedKeyVersion(sealed)).toBe(3);
  });
});

describe("tampering", () => {
  const sealed = seal(ring, "secret value", ctx);

  it("rejects a flipped bit anywhere in the IV, ciphertext or tag", () => {
    const sizes = partsOf(sealed);
    const lengths: [number, number][] = [
      [1, sizes.iv.length],
      [2, sizes.ciphertext.length],
      [3, sizes.tag.length],
    ];
    for (const [part, length] of lengths) {
      for (let i = 0; i < length; i++) {
        expect(
          failure(() => open(ring, flipBit(sealed, part, i), ctx)),
          `part ${part} byte ${i}`,
        ).toBe("auth_failed");
      }
    }
  });

  it("rejects ciphertext and tag spliced from another sealing of the same text", () => {
    const other = seal(ring, "secret value", ctx).split(".");
    const mine = sealed.split(".");
    expect(failure(() => open(ring, [mine[0], other[1], mine[2], mine[3]].join("."), ctx))).toBe("auth_failed");
    expect(failure(() => open(ring, [mine[0], mine[1], mine[2], other[3]].join("."), ctx))).toBe("auth_failed");
  });

  it("rejects truncated or extended ciphertext", () => {
    const [v, iv, ct, tag] = sealed.split(".") as [string, string, string, string];
    const bytes = Buffer.from(ct, "base64url");
    for (const changed of [
      bytes.subarray(0, bytes.length - 1),
      Buffer.concat([bytes, Buffer.from([0])]),
      Buffer.alloc(0),
    ]) {
      expect(failure(() => open(ring, [v, iv, changed.toString("base64url"), tag].join("."), ctx))).toBe("auth_failed");
    }
  });

  it("rejects a value moved to another row, table, field or owner", () => {
    for (const moved of [
      { ...ctx, id: "row-2" },
      { ...ctx, table: "catalog_items" },
      { ...ctx, field: "other" },
      { ...ctx, field: undefined },
      { ...ctx, owner: "user-2" },
      { ...ctx, owner: null },
      { ...ctx, owner: undefined },
    ]) {
      expect(
        failure(() => open(ring, sealed, moved)),
        JSON.stringify(moved),
      ).toBe("auth_failed");
    }
  });

  it("rejects an ownerless value opened as someone's", () => {
    const shared = { table: "catalog_items", field: "sealed_config", id: "item-1" };
    const s = seal(ring, "client-secret", shared);
    expect(failure(() => open(ring, s, { ...shared, owner: "user-1" }))).toBe("auth_failed");
  });

  it("binds the context unambiguously (no collisions from joining fields)", () => {
    const a = { table: "a", field: "b.c", id: "1" };
    const s = seal(ring, "x", a);
    expect(failure(() => open(ring, s, { table: "a.b", field: "c", id: "1" }))).toBe("auth_failed");
    expect(failure(() => open(ring, s, { table: "a", field: "b", id: "c.1" }))).toBe("auth_failed");
    const b = { table: "t", id: "1", owner: "2" };
    expect(failure(() => open(ring, seal(ring, "x", b), { table: "t", id: "12", owner: "" }))).toBe("auth_failed");
  });

  it("rejects a changed version prefix, even when both versions hold the same key bytes", () => {
    const two = addKeyVersion(ring);
    const sealed2 = seal(two, "secret", ctx);
    expect(failure(() => open(two, sealed2.replace(/^v2\./, "v1."), ctx))).toBe("auth_failed");
    // Same key under both versions: only the version in the AAD can tell them apart.
    const key = ring.keys.get(1) as Buffer;
    const twins: Keyring = {
      current: 2,
      keys: new Map([
        [1, key],
        [2, key],
      ]),
    };
    const twinSealed = seal(twins, "secret", ctx);
    expect(open(twins, twinSealed, ctx)).toBe("secret");
    expect(failure(() => open(twins, twinSealed.replace(/^v2\./, "v1."), ctx))).toBe("auth_failed");
  });
});

describe("errors", () => {
  it("reports a version the keyring does not hold as unknown_key_version", () => {
    const two = addKeyVersion(ring);
    const sealed = seal(two, "secret", ctx);
    expect(failure(() => open(ring, sealed, ctx))).toBe("unknown_key_version");
    expect(failure(() => open(ring, sealed.replace(/^v2\./, "v9."), ctx))).toBe("unknown_key_version");
    expect(errorOf(() => open(ring, sealed, ctx)).message).toMatch(/key version 2/);
  });

  it("reports anything not in the sealed format as malformed, from open and sealedKeyVersion", () => {
    const good = seal(ring, "secret", ctx);
    const [, iv, ct, tag] = good.split(".") as [string, string, string, string];
    const tagBytes = Buffer.from(tag, "base64url");
    // Same tag bytes, non-canonical spelling: the last character carries 4 unused bits.
    const lastIndex = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".indexOf(tag.at(-1) as string);
    const sloppyTag =
      tag.slice(0, -1) + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[lastIndex ^ 1];
    expect(Buffer.from(sloppyTag, "base64url").equals(tagBytes)).toBe(true);
    const bad = [
      "",
      "v1",
      "plain text",
      "v1...",
      "v0.a.b.c",
      `v0.${iv}.${ct}.${tag}`,
      `v01.${iv}.${ct}.${tag}`,
      `v-1.${iv}.${ct}.${tag}`,
      `V1.${iv}.${ct}.${tag}`,
      `1.${iv}.${ct}.${tag}`,
      `v1.${iv}.${ct}`,
      `${good}.extra`,
      ` ${good}`,
      `${good}\n`,
      `v1.${iv.slice(1)}.${ct}.${tag}`,
      `v1.${iv}.${ct}.${tag.slice(1)}`,
      `v1.${iv}.${ct}.${tag}A`,
      `v1.${iv}.${ct}+.${tag}`,
      `v1.${iv}.${ct}=.${tag}`,
      `v1.${iv}.${ct}A.${tag}`,
      `v1.${iv}.${ct}.${sloppyTag}`,
      "v1.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAA",
    ];
    for (const value of bad) {
      expect(
        failure(() => open(ring, value, ctx)),
        JSON.stringify(value),
      ).toBe("malformed");
      expect(
        failure(() => sealedKeyVersion(value)),
        JSON.stringify(value),
      ).toBe("malformed");
      expect(
        failure(() => resealIfStale(ring, value, ctx)),
        JSON.stringify(value),
      ).toBe("malformed");
    }
    // A database NULL reaching open at runtime is malformed, not a TypeError.
    expect(failure(() => open(ring, null as unknown as string, ctx))).toBe("malformed");
  });

  it("never puts the plaintext or key material in error messages", () => {
    const plaintext = "sk-live-DO-NOT-LOG-4242";
    const two = addKeyVersion(ring);
    const sealed = seal(two, plaintext, ctx);
    const secrets = [plaintext, ...[...two.keys.values()].flatMap((k) => [k.toString("base64"), k.toString("hex")])];
    const errors = [
      errorOf(() => open(two, flipBit(sealed, 2), ctx)),
      errorOf(() => open(two, sealed, { ...ctx, id: "row-2" })),
      errorOf(() => open(ring, sealed, ctx)),
      errorOf(() => open(two, `${sealed}.x`, ctx)),
      // Not JSON: JSON.parse's own message would quote the plaintext.
      errorOf(() => openJson(two, sealed, ctx)),
    ];
    for (const err of errors) {
      expect(err).toBeInstanceOf(DecryptError);
      expect(err).toBeInstanceOf(Error);
      expect(err.name).toBe("DecryptError");
      for (const secret of secrets) {
        expect(err.message).not.toContain(secret);
        expect(String(err.stack)).not.toContain(secret);
      }
      expect(err.message).not.toContain("DO-NOT-LOG");
    }
    expect((errors[4] as DecryptError).code).toBe("malformed");
  });
});

describe("JSON", () => {
  it("round-trips JSON values under the same context rules", () => {
    const value = { GITHUB_TOKEN: "ghp_1", nested: { list: [1, "два", null, true] } };
    const sealed = sealJson(ring, value, ctx);
    expect(openJson<typeof value>(ring, sealed, ctx)).toEqual(value);
    expect(failure(() => openJson(ring, sealed, { ...ctx, id: "row-2" }))).toBe("auth_failed");
    for (const v of ["", 0, false, null, []]) expect(openJson(ring, sealJson(ring, v, ctx), ctx)).toEqual(v);
  });

  it("refuses a value with no JSON form instead of sealing garbage", () => {
    expect(() => sealJson(ring, undefined, ctx)).toThrow(TypeError);
  });
});

describe("rotation", () => {
  it("opens old values after a new version is added, and resealIfStale moves them to it", () => {
    const old = seal(ring, "rotate me", ctx);
    const rotated = addKeyVersion(ring);
    expect(open(rotated, old, ctx)).toBe("rotate me");

    const fresh = resealIfStale(rotated, old, ctx);
    expect(fresh).not.toBeNull();
    expect(sealedKeyVersion(fresh as string)).toBe(2);
    expect(open(rotated, fresh as string, ctx)).toBe("rotate me");
    // Still bound to the same context after re-sealing.
    expect(failure(() => open(rotated, fresh as string, { ...ctx, id: "row-2" }))).toBe("auth_failed");
    expect(resealIfStale(rotated, fresh as string, ctx)).toBeNull();
    expect(resealIfStale(ring, old, ctx)).toBeNull();
  });

  it("does not re-seal a value that fails to open (wrong context or tampered)", () => {
    const old = seal(ring, "rotate me", ctx);
    const rotated = addKeyVersion(ring);
    expect(failure(() => resealIfStale(rotated, old, { ...ctx, owner: "user-2" }))).toBe("auth_failed");
    expect(failure(() => resealIfStale(rotated, flipBit(old, 2), ctx))).toBe("auth_failed");
  });

  it("cannot open version 1 values once version 1 is retired", () => {
    const old = seal(ring, "rotate me", ctx);
    const rotated = addKeyVersion(ring);
    const fresh = resealIfStale(rotated, old, ctx) as string;
    const v2 = rotated.keys.get(2) as Buffer;
    const retired = parseKeyring(`2:${v2.toString("base64")}`);
    expect(retired.keys.has(1)).toBe(false);
    expect(open(retired, fresh, ctx)).toBe("rotate me");
    expect(failure(() => open(retired, old, ctx))).toBe("unknown_key_version");
    expect(failure(() => resealIfStale(retired, old, ctx))).toBe("unknown_key_version");
  });

  it("cannot open a value with a different key under the same version number", () => {
    const sealed = seal(ring, "secret", ctx);
    const stranger = parseKeyring(generateKey().toString("base64"));
    expect(failure(() => open(stranger, sealed, ctx))).toBe("auth_failed");
  });
});
