import type { Database } from "@/db";
import type { Team } from "@/db/schema";
import { recordEvent } from "@/lib/audit/record-event";
import { type Actor, isAdmin } from "@/lib/auth/actor";
import { AppError, forbidden } from "@/lib/errors";
import { slugify } from "@/lib/slug";
import { parseInput } from "@/lib/validation";
import { createTeamSchema } from "./schemas";
import { isUniqueViolation } from "@/db/errors";

export async function createTeam(db: Database, actor: Actor, input: { name: string }): Promise<Team> {
  if (!isAdmin(actor)) throw forbidden("Only admins can create teams.");
  const { name } = parseInput(createTeamSchema, input);
  const base = slugify(name, "team");
  try {
    const team = await db.transaction().execute(async (trx) => {
      const taken = await trx.selectFrom("teams").select("slug").where("slug", "like", `${base}%`).execute();
      const used = new Set(taken.map((t) => t.slug));
      let slug = base;
      for (let n = 2; used.has(slug); n++) slug = `${base}-${n}`;
      return trx.insertInto("teams").values({ name, slug }).returningAll().executeTakeFirstOrThrow();
    });
    await recordEvent(db, { action: "team.create", outcome: "ok", actor_user_id: actor.id, team_id: team.id });
    return team;
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new AppError("conflict", "A team with that name already exists.", { name: "Already in use." });
    }
    throw err;
  }
}
