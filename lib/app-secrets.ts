import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { type Keyring, loadOrCreateKeyringFile, parseKeyring } from "@/lib/crypto";
import { createPrivateFiles, restrictTree, securePrivateDir } from "@/lib/data-dir";
import { getEnv } from "@/lib/env";
import { getLogger } from "@/lib/log";

/**
 * The two process secrets: the encryption keyring and the session-signing secret. Each comes
 * from its variable; in embedded mode with none given, it is generated once into the data
 * directory (mode 0600, in a 0700 directory) and read from there on later starts; files an
 * earlier version left readable by others are made private.
 */
const KEY = Symbol.for("mcp-orchestrator.secrets");
type SecretsGlobal = typeof globalThis & { [KEY]?: { keyring: Keyring; authSecret: string } };

export const KEYRING_FILE = "encryption-keys";
export const AUTH_SECRET_FILE = "auth-secret";

function loadOrCreateSecretFile(file: string): { value: string; created: boolean } {
  securePrivateDir(path.dirname(file));
  try {
    fs.writeFileSync(file, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
    return { value: fs.readFileSync(file, "utf8").trim(), created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  restrictTree(file);
  const value = fs.readFileSync(file, "utf8").trim();
  if (value.length < 32) throw new Error(`${file} holds no usable secret; delete it to generate a new one`);
  return { value, created: false };
}

function load(): { keyring: Keyring; authSecret: string } {
  const env = getEnv();
  const log = getLogger();
  let keyring: Keyring;
  if (env.ARCHESTRA_ENCRYPTION_KEYS) {
    keyring = parseKeyring(env.ARCHESTRA_ENCRYPTION_KEYS);
  } else {
    const file = path.join(env.dataDir, KEYRING_FILE);
    createPrivateFiles();
    securePrivateDir(env.dataDir);
    const loaded = loadOrCreateKeyringFile(file);
    keyring = loaded.keyring;
    if (loaded.created) log.warn({ file }, "generated a new encryption key; back up this file with the data directory");
    if (loaded.insecureMode) {
      restrictTree(file);
      log.warn({ file }, "the encryption key file was open to other users; it is now private (mode 600)");
    }
  }
  let authSecret = env.ARCHESTRA_AUTH_SECRET;
  if (!authSecret) {
    const file = path.join(env.dataDir, AUTH_SECRET_FILE);
    createPrivateFiles();
    const loaded = loadOrCreateSecretFile(file);
    authSecret = loaded.value;
    if (loaded.created) log.info({ file }, "generated a new session-signing secret");
  }
  return { keyring, authSecret };
}

function secrets() {
  const g = globalThis as SecretsGlobal;
  g[KEY] ??= load();
  return g[KEY];
}

export const getKeyring = (): Keyring => secrets().keyring;
export const getAuthSecret = (): string => secrets().authSecret;
