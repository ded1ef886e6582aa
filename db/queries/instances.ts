import type { Database } from "@/db";
import type { CredentialStatus, InstanceStatus, RuntimeKind } from "@/db/schema";
import { instanceName } from "@/lib/orchestrator/names";

/** Credentials in these states keep their instance running. */
export const USABLE_CREDENTIAL_STATUSES: CredentialStatus[] = ["active", "expiring"];

/**
 * Gives every credential of a local server its instance row (one per server and credential),
 * so the reconciler and the Servers page see it. Safe to run concurrently.
 */
export async function createMissingInstanceRows(db: Database, runtime: RuntimeKind): Promise<number> {
  const missing = await db
    .selectFrom("credentials")
    .innerJoin("catalog_items", "catalog_items.id", "credentials.catalog_item_id")
    .leftJoin("runtime_instances", (join) =>
      join
        .onRef("runtime_instances.credential_id", "=", "credentials.id")
        .onRef("runtime_instances.catalog_item_id", "=", "catalog_items.id"),
    )
    .where("catalog_items.kind", "=", "local")
    .where("runtime_instances.id", "is", null)
    .select(["credentials.id as credential_id", "catalog_items.id as item_id", "catalog_items.slug"])
    .execute();
  if (missing.length === 0) return 0;
  const inserted = await db
    .insertInto("runtime_instances")
    .returning("id")
    .values(
      missing.map((m) => ({
        catalog_item_id: m.item_id,
        credential_id: m.credential_id,
        runtime,
        name: instanceName(m.slug, m.credential_id),
        desired_state: "running" as const,
        status: "pending" as const,
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
  return inserted.length;
}

/** Everything the reconciler needs about each instance: its server, its credential. */
export async function loadInstancesForReconcile(db: Database) {
  return db
    .selectFrom("runtime_instances as i")
    .innerJoin("catalog_items as item", "item.id", "i.catalog_item_id")
    .innerJoin("credentials as c", "c.id", "i.credential_id")
    .select([
      "i.id",
      "i.name",
      "i.desired_state",
      "i.status",
      "i.status_reason",
      "i.last_exit_code",
      "i.restart_count",
      "i.started_at",
      "i.runtime",
      "i.credential_id",
      "item.id as item_id",
      "item.slug",
      "item.kind",
      "item.command",
      "item.args",
      "item.image",
      "item.image_pull_secret",
      "item.transport",
      "item.http_port",
      "item.http_path",
      "item.env_schema",
      "c.status as credential_status",
      "c.sealed_secret",
      "c.owner_user_id",
      "c.owner_team_id",
    ])
    .execute();
}

export type InstanceRow = Awaited<ReturnType<typeof loadInstancesForReconcile>>[number];

export interface InstanceStatusUpdate {
  status: InstanceStatus;
  status_reason: string | null;
  last_exit_code: number | null;
  restart_count: number;
  started_at: Date | null;
}

export async function recordInstanceStatus(db: Database, id: string, update: InstanceStatusUpdate): Promise<void> {
  await db
    .updateTable("runtime_instances")
    .set({ ...update, updated_at: new Date() })
    .where("id", "=", id)
    .execute();
}

export async function setDesiredState(db: Database, id: string, desired: "running" | "stopped"): Promise<void> {
  await db
    .updateTable("runtime_instances")
    .set({ desired_state: desired, updated_at: new Date() })
    .where("id", "=", id)
    .execute();
}

/** Instances with their server and owner, as lists and detail pages show them. */
export function instanceListing(db: Database) {
  return db
    .selectFrom("runtime_instances as i")
    .innerJoin("catalog_items as item", "item.id", "i.catalog_item_id")
    .innerJoin("credentials as c", "c.id", "i.credential_id")
    .leftJoin("users as owner", "owner.id", "c.owner_user_id")
    .leftJoin("teams as team", "team.id", "c.owner_team_id")
    .select([
      "i.id",
      "i.name",
      "i.runtime",
      "i.desired_state",
      "i.status",
      "i.status_reason",
      "i.last_exit_code",
      "i.restart_count",
      "i.started_at",
      "i.created_at",
      "item.id as server_id",
      "item.name as server_name",
      "item.slug as server_slug",
      "c.id as credential_id",
      "c.scope as credential_scope",
      "c.label as credential_label",
      "c.owner_user_id",
      "c.owner_team_id",
      "owner.name as owner_name",
      "owner.email as owner_email",
      "team.name as team_name",
    ])
    .orderBy("item.name")
    .orderBy("i.created_at");
}

export type InstanceListing = Awaited<ReturnType<ReturnType<typeof instanceListing>["execute"]>>[number];
