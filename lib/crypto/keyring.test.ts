import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  addKeyVersion,
  formatKeyring,
  generateKey,
  type Keyring,
  KeyringError,
  loadOrCreateKeyringFile,
  parseKeyring,
} from "./keyring";

const key = generateKey();
const b64 = key.toString("base64");

/** The KeyringError message `spec` produces ("parsed" when it parses). */
function message(spec: string): string {
  try {
    parseKeyring(spec);
    return "parsed";
  } catch (err) {
    expect(err).toBeInstanceOf(KeyringError);
    expect(err).toBeInstanceOf(Error);
    return (err as Error).message;
  }
}

describe("parseKeyring", () => {
  it("takes a single key, in base64 or base64url, padded or not, as version 1", () => {
    for (const text of [b64, key.toString("base64url"), b64.replace(/=+$/, ""), `  ${b64}\n`]) {
      const k = parseKeyring(text);
      expect(k.current).toBe(1);
      expect([...k.keys.keys()]).toEqual([1]);
      expect(k.keys.get(1)?.equals(key)).toBe(true);
    }
  });

  it("takes a versioned list with whitespace, the highest version current", () => {
    const other = generateKey();
    const k = parseKeyring(` 1 : ${b64} ,\n 3:${other.toString("base64url")} `);
    expect(k.current).toBe(3);
    expect([...k.keys.keys()].sort()).toEqual([1, 3]);
    expect(k.keys.get(1)?.equals(key)).toBe(true);
    expect(k.keys.get(3)?.equals(other)).toBe(true);
    // Order in the list does not matter.
    expect(parseKeyring(`3:${other.toString("base64")},1:${b64}`).current).toBe(3);
    expect(parseKeyring(`1:${b64},`).current).toBe(1);
  });

  it("round-trips through formatKeyring as sorted 1:<base64>,2:<base64>", () => {
    const k = parseKeyring(`2:${generateKey().toString("base64url")},1:${b64}`);
    const text = formatKeyring(k);
    expect(text).toMatch(/^1:[A-Za-z0-9+/]{43}=,2:[A-Za-z0-9+/]{43}=$/);
    expect(text.startsWith(`1:${b64},`)).toBe(true);
    const again = parseKeyring(text);
    expect(again.current).toBe(2);
    for (const v of [1, 2]) expect(again.keys.get(v)?.equals(k.keys.get(v) as Buffer)).toBe(true);
  });

  it("names ARCHESTRA_ENCRYPTION_KEYS and says what is expected for every mistake", () => {
    const short = Buffer.alloc(16, 7).toString("base64");
    const long = Buffer.alloc(33, 7).toString("base64");
    const cases: [string, RegExp][] = [
      ["", /is empty.*expected 32 bytes of base64.*openssl rand -base64 32/],
      ["   ", /is empty/],
      [",", /is empty/],
      [short, /key version 1 decodes to 16 bytes; expected 32 bytes of base64.*openssl rand -base64 32/],
      [`1:${b64},2:${long}`, /key version 2 decodes to 33 bytes; expected 32 bytes/],
      [`1:${b64},1:${b64}`, /key version 1 appears twice/],
      [`0:${b64}`, /"0" is not a key version.*positive integer/],
      [`-1:${b64}`, /"-1" is not a key version.*positive integer/],
      [`1.5:${b64}`, /"1\.5" is not a key version/],
      [`two:${b64}`, /"two" is not a key version/],
      [`:${b64}`, /"\(missing\)" is not a key version/],
      // A bare key is only allowed on its own.
      [`1:${b64},${b64}`, /"\(missing\)" is not a key version/],
      ["1:not base64!", /key version 1 is not base64; expected 32 bytes of base64/],
      [`1:${b64.slice(0, 20)}=${b64.slice(20)}`, /not base64/],
      ["1:", /key version 1 is not base64/],
    ];
    for (const [spec, expected] of cases) {
      const text = message(spec);
      expect(text, spec).toMatch(/^ARCHESTRA_ENCRYPTION_KEYS\b/);
      expect(text, spec).toMatch(expected);
    }
  });

  it("never repeats the key text in an error", () => {
    const short = Buffer.alloc(16, 9).toString("base64");
    expect(message(short)).not.toContain(short);
    expect(message(`1:${b64},1:${b64}`)).not.toContain(b64);
    expect(message(`1:${b64},${b64}`)).not.toContain(b64);
    expect(message(`1:${b64}!`)).not.toContain(b64);
  });
});

describe("generateKey and addKeyVersion", () => {
  it("generates distinct 32-byte keys", () => {
    const a = generateKey();
    const b = generateKey();
    expect(a.length).toBe(32);
    expect(b.length).toBe(32);
    expect(a.equals(b)).toBe(false);
  });

  it("adds the next version as current without changing the original keyring", () => {
    const one = parseKeyring(b64);
    const two = addKeyVersion(one);
    expect(two.current).toBe(2);
    expect([...two.keys.keys()].sort()).toEqual([1, 2]);
    expect(two.keys.get(1)?.equals(key)).toBe(true);
    expect(two.keys.get(2)?.length).toBe(32);
    expect(two.keys.get(2)?.equals(key)).toBe(false);
    expect(one.current).toBe(1);
    expect(one.keys.size).toBe(1);

    const given = generateKey();
    const gapped: Keyring = parseKeyring(`1:${b64},3:${generateKey().toString("base64")}`);
    const four = addKeyVersion(gapped, given);
    expect(four.current).toBe(4);
    expect(four.keys.get(4)).toBe(given);
  });

  it("rejects a key of the wrong length", () => {
    expect(() => addKeyVersion(parseKeyring(b64), Buffer.alloc(16))).toThrow(KeyringError);
  });
});

describe("loadOrCreateKeyringFile", () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyring-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    vi.restoreAllMocks();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("creates a 0600 file (and its directory) once, then reads the same key back", () => {
    const dir = tempDir();
    const file = path.join(dir, "nested", "deeper", "encryption-keys");
    const first = loadOrCreateKeyringFile(file);
    expect(first.created).toBe(true);
    expect(first.insecureMode).toBe(false);
    expect(first.keyring.current).toBe(1);
    expect(first.keyring.keys.get(1)?.length).toBe(32);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, "utf8")).toBe(`1:${first.keyring.keys.get(1)?.toString("base64")}\n`);
    // No temporary files left beside it.
    expect(fs.readdirSync(path.dirname(file))).toEqual(["encryption-keys"]);

    const second = loadOrCreateKeyringFile(file);
    expect(second.created).toBe(false);
    expect(second.insecureMode).toBe(false);
    expect(second.keyring.keys.get(1)?.equals(first.keyring.keys.get(1) as Buffer)).toBe(true);
  });

  it("reads an existing multi-version file as it is", () => {
    const file = path.join(tempDir(), "encryption-keys");
    const ring = addKeyVersion(parseKeyring(b64));
    fs.writeFileSync(file, `\n${formatKeyring(ring)}\n\n`, { mode: 0o600 });
    const loaded = loadOrCreateKeyringFile(file);
    expect(loaded.created).toBe(false);
    expect(formatKeyring(loaded.keyring)).toBe(formatKeyring(ring));
  });

  it("still returns a keyring from a file others can read, flagged insecureMode", () => {
    const file = path.join(tempDir(), "encryption-keys");
    fs.writeFileSync(file, `1:${b64}\n`);
    fs.chmodSync(file, 0o644);
    const loaded = loadOrCreateKeyringFile(file);
    expect(loaded.insecureMode).toBe(true);
    expect(loaded.created).toBe(false);
    expect(loaded.keyring.keys.get(1)?.equals(key)).toBe(true);
    // Left as found: fixing permissions is the operator's call.
    expect(fs.statSync(file).mode & 0o777).toBe(0o644);
  });

  it("throws a KeyringError naming the path for a corrupt file, and leaves the file alone", () => {
    const file = path.join(tempDir(), "encryption-keys");
    for (const garbage of ["garbage!", `1:${Buffer.alloc(16).toString("base64")}`, `1:${b64},1:${b64}`]) {
      fs.writeFileSync(file, garbage, { mode: 0o600 });
      expect(() => loadOrCreateKeyringFile(file)).toThrow(KeyringError);
      expect(() => loadOrCreateKeyringFile(file)).toThrow(file);
      expect(fs.readFileSync(file, "utf8")).toBe(garbage);
    }
  });

  it("reads the other process's key when that process creates the file first", () => {
    const file = path.join(tempDir(), "encryption-keys");
    fs.writeFileSync(file, `1:${b64}\n`, { mode: 0o600 });
    // As if another process created the file between this one's check and its own create.
    vi.spyOn(fs, "existsSync").mockReturnValue(false);
    const loaded = loadOrCreateKeyringFile(file);
    expect(loaded.created).toBe(false);
    expect(loaded.keyring.keys.get(1)?.equals(key)).toBe(true);
    expect(fs.readFileSync(file, "utf8")).toBe(`1:${b64}\n`);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["encryption-keys"]);
  });

  it("creates the file once on a filesystem without hard links", () => {
    const file = path.join(tempDir(), "encryption-keys");
    vi.spyOn(fs, "linkSync").mockImplementation(() => {
      throw Object.assign(new Error("operation not permitted"), { code: "EPERM" });
    });
    const first = loadOrCreateKeyringFile(file);
    expect(first.created).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["encryption-keys"]);
    vi.spyOn(fs, "existsSync").mockReturnValue(false);
    const second = loadOrCreateKeyringFile(file);
    expect(second.created).toBe(false);
    expect(second.keyring.keys.get(1)?.equals(first.keyring.keys.get(1) as Buffer)).toBe(true);
  });

  it("waits for a file another process created but has not written yet", () => {
    const file = path.join(tempDir(), "encryption-keys");
    fs.writeFileSync(file, "", { mode: 0o600 });
    // The writer is another process, so it runs while this one blocks in the synchronous read.
    spawn(process.execPath, [
      "-e",
      `setTimeout(() => require("node:fs").writeFileSync(${JSON.stringify(file)}, ${JSON.stringify(`1:${b64}\n`)}), 250)`,
    ]);
    const loaded = loadOrCreateKeyringFile(file);
    expect(loaded.created).toBe(false);
    expect(loaded.keyring.keys.get(1)?.equals(key)).toBe(true);
  });

  it("gives up on a file that stays empty, naming it", () => {
    const file = path.join(tempDir(), "encryption-keys");
    fs.writeFileSync(file, "", { mode: 0o600 });
    expect(() => loadOrCreateKeyringFile(file)).toThrow(`key file ${file} is empty`);
  });

  it("gives every process started at once the same key, created by exactly one of them", async () => {
    const dir = tempDir();
    const file = path.join(dir, "race", "encryption-keys");
    const barrier = path.join(dir, "barrier");
    fs.mkdirSync(barrier);
    const processes = 6;
    const module = path.join(import.meta.dirname, "keyring.ts");
    // Whether the calls collide is down to timing (the spy test above pins the EEXIST path); this
    // checks the whole thing across real processes. Each child waits at a barrier after loading
    // the module, so the calls overlap rather than being spread out by start-up time.
    const script = `
      import fs from "node:fs";
      import { formatKeyring, loadOrCreateKeyringFile } from ${JSON.stringify(module)};
      fs.writeFileSync(${JSON.stringify(barrier)} + "/" + process.pid, "");
      while (fs.readdirSync(${JSON.stringify(barrier)}).length < ${processes}) {}
      const { keyring, created } = loadOrCreateKeyringFile(${JSON.stringify(file)});
      process.stdout.write(JSON.stringify({ ring: formatKeyring(keyring), created }));
    `;
    const run = () =>
      new Promise<{ ring: string; created: boolean }>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
        });
        child.stderr.on("data", (chunk: Buffer) => {
          err += chunk.toString();
        });
        child.on("error", reject);
        child.on("close", (code) => {
          if (code === 0) resolve(JSON.parse(out) as { ring: string; created: boolean });
          else reject(new Error(`exit ${code}: ${err}`));
        });
      });
    const results = await Promise.all(Array.from({ length: processes }, run));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.ring)).size).toBe(1);
    expect(formatKeyring(loadOrCreateKeyringFile(file).keyring)).toBe(results[0]?.ring);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["encryption-keys"]);
  });
});
