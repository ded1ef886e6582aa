import type { Database } from "@/db";
import { insertUser } from "@/db/queries/users";
import { type Actor, toActor } from "@/lib/auth/actor";
import { hashPassword } from "@/lib/auth/password";
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
