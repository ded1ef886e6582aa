import type { Kysely } from "kysely";
import { pendingMigrations } from "./migrate";

export type Readiness = { ready: true } | { ready: false; reason: string; pending?: string[] };

/** Whether the database answers and has every migration applied, with a reason when not. */
// biome-ignore lint/suspicious/noExplicitAny: works on any schema
export async function checkReadiness(db: Kysely<any>): Promise<Readiness> {
  try {
    const pending = await pendingMigrations(db);
    if (pending.length > 0) return { ready: false, reason: `migrations pending: ${pending.join(", ")}`, pending };
    return { ready: true };
  } catch (err) {
    return { ready: false, reason: `database unreachable: ${(err as Error).message}` };
  }
}
