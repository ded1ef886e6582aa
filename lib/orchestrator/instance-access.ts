import type { Database } from "@/db";
import { type InstanceListing, instanceListing, setDesiredState } from "@/db/queries/instances";
import { recordEvent } from "@/lib/audit/record-event";
import { type Actor, isAdmin } from "@/lib/auth/actor";
import { forbidden, notFound } from "@/lib/errors";
import { isUuid } from "@/lib/validation";
import type { Orchestrator } from "./orchestrator";

export interface VisibleInstance extends InstanceListing {
  canManage: boolean;
}

async function teamRoles(db: Database, userId: string): Promise<Map<string, "admin" | "member">> {
  const rows = await db.selectFrom("team_members").select(["team_id", "role"]).where("user_id", "=", userId).execute();
  return new Map(rows.map((r) => [r.team_id, r.role]));
}

/** Pure: who sees an instance (admins, its credential's owner, its team) and who may act on it. */
export function instanceAccess(
  actor: Actor,
  row: Pick<InstanceListing, "owner_user_id" | "owner_team_id">,
  roles: Map<string, "admin" | "member">,
): { visible: boolean; canManage: boolean } {
  if (isAdmin(actor)) return { visible: true, canManage: true };
  if (row.owner_user_id === actor.id) return { visible: true, canManage: true };
  const role = row.owner_team_id ? roles.get(row.owner_team_id) : undefined;
  return { visible: role !== undefined, canManage: role === "admin" };
}

export async function listVisibleInstances(db: Database, actor: Actor): Promise<VisibleInstance[]> {
  const [rows, roles] = await Promise.all([instanceListing(db).execute(), teamRoles(db, actor.id)]);
  return rows.flatMap((row) => {
    const access = instanceAccess(actor, row, roles);
    return access.visible ? [{ ...row, canManage: access.canManage }] : [];
  });
}

export async function getInstanceOrThrow(db: Database, actor: Actor, id: string): Promise<VisibleInstance> {
  if (!isUuid(id)) throw notFound("Server instance");
  const row = await instanceListing(db).where("i.id", "=", id).executeTakeFirst();
  if (!row) throw notFound("Server instance");
  const access = instanceAccess(actor, row, await teamRoles(db, actor.id));
  if (!access.visible) throw notFound("Server instance");
  return { ...row, canManage: access.canManage };
}

export type InstanceAction = "restart" | "stop" | "start";

/** Restarts, stops or starts an instance for someone allowed to, and records it. */
export async function actOnInstance(
  db: Database,
  orchestrator: Orchestrator,
  actor: Actor,
  id: string,
  action: InstanceAction,
): Promise<void> {
  const instance = await getInstanceOrThrow(db, actor, id);
  if (!instance.canManage) throw forbidden("Only admins, the credential's owner and team admins can do that.");
  if (action === "restart") {
    await setDesiredState(db, id, "running");
    await orchestrator.runtime.restart(instance.name);
  } else {
    await setDesiredState(db, id, action === "stop" ? "stopped" : "running");
  }
  await orchestrator.reconciler.trigger();
  await recordEvent(db, {
    action: `instance.${action}`,
    outcome: "ok",
    actor_user_id: actor.id,
    catalog_item_id: instance.server_id,
    credential_id: instance.credential_id,
    details: { instance: instance.name },
  });
}

export async function instanceLogs(
  orchestrator: Orchestrator,
  instance: VisibleInstance,
  tailLines = 200,
): Promise<string[]> {
  return orchestrator.runtime.logs(instance.name, tailLines);
}
