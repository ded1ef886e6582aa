import { sql } from "kysely";
import type { Database } from "@/db";
import type { NewUser, User, UserRole } from "@/db/schema";

export async function findUserByEmail(db: Database, email: string): Promise<User | undefined> {
  return db
    .selectFrom("users")
    .selectAll()
    .where(sql`lower(email)`, "=", email.trim().toLowerCase())
    .executeTakeFirst();
}

export async function findUserById(db: Database, id: string): Promise<User | undefined> {
  return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function findUserByOidcSubject(db: Database, subject: string): Promise<User | undefined> {
  return db.selectFrom("users").selectAll().where("oidc_subject", "=", subject).executeTakeFirst();
}

export async function insertUser(db: Database, user: NewUser): Promise<User> {
  return db.insertInto("users").values(user).returningAll().executeTakeFirstOrThrow();
}

export async function listUsers(db: Database): Promise<User[]> {
  return db.selectFrom("users").selectAll().orderBy("created_at").orderBy("email").execute();
}

export async function countAdmins(db: Database): Promise<number> {
  const row = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("role", "=", "admin" satisfies UserRole)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function setOidcSubject(db: Database, userId: string, subject: string): Promise<void> {
  await db
    .updateTable("users")
    .set({ oidc_subject: subject, updated_at: new Date() })
    .where("id", "=", userId)
    .execute();
}
