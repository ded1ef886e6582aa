import type { Database } from "@/db";
import { findUserByEmail, insertUser } from "@/db/queries/users";
import { recordEvent } from "@/lib/audit/record-event";
import { type Actor, isAdmin, toActor } from "@/lib/auth/actor";
import { hashPassword } from "@/lib/auth/password";
import { AppError, forbidden } from "@/lib/errors";
import { parseInput } from "@/lib/validation";
import { type CreateUserInput, createUserSchema } from "./schemas";

/** An admin creates an account with a password. */
export async function createUser(db: Database, actor: Actor, input: CreateUserInput): Promise<Actor> {
  if (!isAdmin(actor)) throw forbidden("Only admins can create users.");
  const data = parseInput(createUserSchema, input);
  if (await findUserByEmail(db, data.email)) {
    throw new AppError("conflict", "A user with that email already exists.", { email: "Already in use." });
  }
  const user = await insertUser(db, {
    email: data.email,
    name: data.name,
    role: data.role,
    password_hash: await hashPassword(data.password),
  });
  await recordEvent(db, {
    action: "user.create",
    outcome: "ok",
    actor_user_id: actor.id,
    details: { userId: user.id, role: user.role },
  });
  return toActor(user);
}
