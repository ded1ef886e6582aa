import type { Database } from "@/db";
import { type Actor, isAdmin } from "@/lib/auth/actor";

/** Credentials a person sees: their own and their teams' (admins: all). Never the secret. */
export async function listVisibleCredentials(db: Database, actor: Actor) {
  const teams = (await db.selectFrom("team_members").select("team_id").where("user_id", "=", actor.id).execute()).map(
    (t) => t.team_id,
  );
  let q = db
    .selectFrom("credentials as c")
    .innerJoin("catalog_items as item", "item.id", "c.catalog_item_id")
    .leftJoin("users as u", "u.id", "c.owner_user_id")
    .leftJoin("teams as t", "t.id", "c.owner_team_id")
    .select([
      "c.id",
      "c.scope",
      "c.status",
      "c.status_reason",
      "c.label",
      "c.created_at",
      "c.last_used_at",
      "c.expires_at",
      "c.owner_user_id",
      "c.owner_team_id",
      "c.team_use",
      "c.catalog_item_id",
      "item.slug as server_slug",
      "item.name as server_name",
      "u.name as owner_name",
      "t.name as team_name",
    ])
    .orderBy("item.name")
    .orderBy("c.created_at");
  if (!isAdmin(actor)) {
    q = q.where((eb) =>
      eb.or([eb("c.owner_user_id", "=", actor.id), ...(teams.length ? [eb("c.owner_team_id", "in", teams)] : [])]),
    );
  }
  return q.execute();
}
