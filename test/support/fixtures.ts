import type { Database } from "@/db";
import { insertUser } from "@/db/queries/users";
import { type Actor, toActor } from "@/lib/auth/actor";
import { hashPassword } from "@/lib/auth/password";
import type { CredentialStatus, EnvVarSpec } from "@/db/schema";
import type { CredentialSecret } from "@/lib/credentials/credential-secret";
import { credentialSecretContext, generateKey, type Keyring, parseKeyring, sealJson } from "@/lib/crypto";
import { unique } from "./database";

let cachedHash: Promise<string> | undefined;
export const TEST_PASSWORD = "correct horse battery";

/** A user with TEST_PASSWORD; the hash is computed once per run to keep tests fast. */
export async function makeUser(db: Database, role: "admin" | "member" = "member", label = "user"): Promise<Actor> {
  cachedHash ??= hashPassword(TEST_PASSWORD);
  const email = `${unique(label)}@example.com`;
  const user = await insertUser(db, { email, name: label, role, password_hash: await cachedHash });
  return toActor(user);
}

/** A local catalog entry, as an admin would add it. */
export async function makeLocalItem(
  db: Database,
  item: {
    slug?: string;
    command: string;
    args: string[];
    envSchema?: EnvVarSpec[];
    transport?: "stdio" | "http";
    httpPath?: string;
  },
) {
  return db
    .insertInto("catalog_items")
    .values({
      slug: item.slug ?? unique("server"),
      name: item.slug ?? "Test server",
      kind: "local",
      command: item.command,
      args: JSON.stringify(item.args),
      transport: item.transport ?? "stdio",
      http_path: item.httpPath ?? null,
      env_schema: JSON.stringify(item.envSchema ?? []),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A personal credential with its secret sealed the way the product seals it. */
export async function makeCredential(
  db: Database,
  keyring: Keyring,
  input: { itemId: string; ownerUserId: string; secret: CredentialSecret; status?: CredentialStatus },
) {
  const id = crypto.randomUUID();
  const ctx = credentialSecretContext({ id, owner_user_id: input.ownerUserId, owner_team_id: null });
  return db
    .insertInto("credentials")
    .values({
      id,
      catalog_item_id: input.itemId,
      scope: "personal",
      owner_user_id: input.ownerUserId,
      sealed_secret: sealJson(keyring, input.secret, ctx),
      status: input.status ?? "active",
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export const testKeyring = (): Keyring => parseKeyring(generateKey().toString("base64"));
