import type { Database } from "@/db";

export interface AuditFilter {
  action?: string;
  outcome?: "ok" | "error" | "denied";
  gateway?: string;
  user?: string;
  limit?: number;
}

/** Recent audit events, newest first, with the names behind their ids. */
export async function listAuditEvents(db: Database, filter: AuditFilter) {
  let q = db
    .selectFrom("audit_events as e")
    .leftJoin("users as u", "u.id", "e.actor_user_id")
    .leftJoin("gateways as g", "g.id", "e.gateway_id")
    .leftJoin("catalog_items as item", "item.id", "e.catalog_item_id")
    .leftJoin("teams as t", "t.id", "e.team_id")
    .select([
      "e.id",
      "e.at",
      "e.action",
      "e.outcome",
      "e.token_kind",
      "e.tool_name",
      "e.duration_ms",
      "e.error",
      "e.credential_id",
      "u.email as user_email",
      "g.slug as gateway_slug",
      "item.slug as server_slug",
      "t.name as team_name",
    ])
    .orderBy("e.id", "desc")
    .limit(Math.min(filter.limit ?? 200, 1000));
  if (filter.action) q = q.where("e.action", "like", `${filter.action.replace(/[%_]/g, "")}%`);
  if (filter.outcome) q = q.where("e.outcome", "=", filter.outcome);
  if (filter.gateway) q = q.where("g.slug", "=", filter.gateway);
  if (filter.user) q = q.where("u.email", "ilike", `%${filter.user.replace(/[%_]/g, "")}%`);
  return q.execute();
}
