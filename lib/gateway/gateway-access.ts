import type { Database } from "@/db";
import type { GatewaysTable } from "@/db/schema";
import type { Selectable } from "kysely";
import { type Actor, isAdmin } from "@/lib/auth/actor";
import { forbidden, notFound } from "@/lib/errors";
import { isUuid } from "@/lib/validation";

export type Gateway = Selectable<GatewaysTable>;

/** Whoever asks: a person (session or personal token), a team token, or the org token. */
export type GatewayViewer =
  | { kind: "user"; actor: Actor; teamIds: string[]; adminTeamIds: string[] }
  | { kind: "team"; teamId: string }
  | { kind: "org" };

/** Pure: may this viewer use (list and call) the gateway? Org-wide gateways have no team. */
export function canUseGateway(viewer: GatewayViewer, gateway: Pick<Gateway, "owner_team_id">): boolean {
  if (viewer.kind === "org") return true;
  if (gateway.owner_team_id === null) return true;
  if (viewer.kind === "team") return gateway.owner_team_id === viewer.teamId;
  return isAdmin(viewer.actor) || viewer.teamIds.includes(gateway.owner_team_id);
}

/** Pure: may this person change the gateway? Admins any; team admins their team's. */
export function canEditGateway(viewer: GatewayViewer, gateway: Pick<Gateway, "owner_team_id">): boolean {
  if (viewer.kind !== "user") return false;
  if (isAdmin(viewer.actor)) return true;
  return gateway.owner_team_id !== null && viewer.adminTeamIds.includes(gateway.owner_team_id);
}

export async function userViewer(db: Database, actor: Actor): Promise<GatewayViewer> {
  const rows = await db
    .selectFrom("team_members")
    .select(["team_id", "role"])
    .where("user_id", "=", actor.id)
    .execute();
  return {
    kind: "user",
    actor,
    teamIds: rows.map((r) => r.team_id),
    adminTeamIds: rows.filter((r) => r.role === "admin").map((r) => r.team_id),
  };
}

export async function findGateway(db: Database, slugOrId: string): Promise<Gateway | undefined> {
  return db
    .selectFrom("gateways")
    .selectAll()
    .where(isUuid(slugOrId) ? "id" : "slug", "=", slugOrId)
    .executeTakeFirst();
}

/** A gateway the viewer may use; others are "not found" so their names do not leak. */
export async function getGatewayOrThrow(db: Database, viewer: GatewayViewer, slugOrId: string): Promise<Gateway> {
  const gateway = await findGateway(db, slugOrId);
  if (!gateway || !canUseGateway(viewer, gateway)) throw notFound("Gateway");
  return gateway;
}

export async function getEditableGatewayOrThrow(
  db: Database,
  viewer: GatewayViewer,
  slugOrId: string,
): Promise<Gateway> {
  const gateway = await getGatewayOrThrow(db, viewer, slugOrId);
  if (!canEditGateway(viewer, gateway)) throw forbidden("Only admins and the gateway's team admins can change it.");
  return gateway;
}

export async function listUsableGateways(db: Database, viewer: GatewayViewer): Promise<Gateway[]> {
  const all = await db.selectFrom("gateways").selectAll().orderBy("name").execute();
  return all.filter((g) => canUseGateway(viewer, g));
}
