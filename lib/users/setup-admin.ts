import { sql } from "kysely";
import type { Database } from "@/db";
import { countAdmins, insertUser } from "@/db/queries/users";
import { recordEvent } from "@/lib/audit/record-event";
import { type Actor, toActor } from "@/lib/auth/actor";
import { hashPassword } from "@/lib/auth/password";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validation";
import { setupAdminSchema } from "./schemas";

// Serialises first-run set-up across processes: two people submitting /setup at once get one admin.
const SETUP_LOCK = 7_313_001;

export async function needsSetup(db: Database): Promise<boolean> {
  return (await countAdmins(db)) === 0;
}

/**
 * Creates the first admin. Only possible while no admin exists; afterwards set-up is closed.
 * `via` says whether a person used /setup or the ARCHESTRA_ADMIN_* variables did.
 */
export async function setupAdmin(
  db: Database,
  input: { email: string; name?: string; password: string },
  via: "setup-page" | "environment",
): Promise<Actor> {
  const data = parseInput(setupAdminSchema, { name: input.name ?? "Admin", ...input });
  const passwordHash = await hashPassword(data.password);
  const user = await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${SETUP_LOCK})`.execute(trx);
    if ((await countAdmins(trx)) > 0) {
      throw new AppError("forbidden", "Set-up is already done. Sign in instead.");
    }
    return insertUser(trx, { email: data.email, name: data.name, role: "admin", password_hash: passwordHash });
  });
  await recordEvent(db, { action: "setup.admin", outcome: "ok", actor_user_id: user.id, details: { via } });
  return toActor(user);
}
