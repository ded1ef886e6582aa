import type { Database } from "@/db";
import type { Insertable } from "kysely";
import type { DiscoveredTool, GatewayToolAssignmentsTable } from "@/db/schema";
import { recordEvent } from "@/lib/audit/record-event";
import { isAdmin } from "@/lib/auth/actor";
import { AppError } from "@/lib/errors";
import { findCatalogItem } from "@/lib/registry/create-catalog-item";
import { parseInput } from "@/lib/validation";
import { type GatewayViewer, getEditableGatewayOrThrow } from "./gateway-access";
import { forgetGateway } from "./hot-path-cache";
import { type AssignmentResources, findResourceClashes } from "./resource-clashes";
import { type SaveAssignmentsInput, saveAssignmentsSchema } from "./schemas";
import { type AssignmentTools, findNameCollisions } from "./tool-names";

/** What a server lists with a credential (null: not known in time); see liveResourceListing. */
export type ListServerResources = (
  item: { id: string; slug: string; name: string; kind: "local" | "remote" },
  credentialId: string,
) => Promise<AssignmentResources["listed"]>;

/**
 * Replaces a gateway's tool assignments, with the prompts and resources each exposes (see
 * assignmentSchema for the default). Checked when saved, not at call time: servers exist,
 * chosen tools exist, a static credential belongs to the server and may be bound by this
 * person, no two tools end up with the same name, and no two assignments expose the same
 * resource URI or template. Of resources, known are the chosen ones and, with `listResources`,
 * what the servers of assignments with a static credential list (every caller reaches the same
 * resources through those); what the others list depends on who calls.
 */
export async function saveAssignments(
  db: Database,
  viewer: GatewayViewer,
  gatewaySlugOrId: string,
  input: SaveAssignmentsInput,
  options: { listResources?: ListServerResources } = {},
): Promise<number> {
  const gateway = await getEditableGatewayOrThrow(db, viewer, gatewaySlugOrId);
  const { assignments } = parseInput(saveAssignmentsSchema, input);
  const rows: Insertable<GatewayToolAssignmentsTable>[] = [];
  const naming: AssignmentTools[] = [];
  const exposing: Promise<AssignmentResources>[] = [];
  for (const [i, a] of assignments.entries()) {
    const item = await findCatalogItem(db, a.server);
    if (!item)
      throw new AppError("bad_request", `There is no server "${a.server}".`, {
        [`assignments.${i}.server`]: "Unknown server.",
      });
    const offered = (item.tools as DiscoveredTool[]).map((t) => t.name);
    if (a.tools) {
      const unknown = a.tools.filter((t) => !offered.includes(t));
      if (unknown.length) {
        throw new AppError(
          "bad_request",
          offered.length
            ? `${item.name} does not offer ${unknown.join(", ")}.`
            : `The tools of ${item.name} are not known yet: install it once so they are discovered, or assign all its tools.`,
          { [`assignments.${i}.tools`]: "Unknown tools." },
        );
      }
    }
    if (a.mode === "static" && a.credentialId)
      await checkStaticCredential(db, viewer, gateway.owner_team_id, item.id, a.credentialId, i);
    rows.push({
      gateway_id: gateway.id,
      catalog_item_id: item.id,
      tools: JSON.stringify(a.tools),
      prefix: a.prefix,
      credential_mode: a.mode,
      static_credential_id: a.mode === "static" ? a.credentialId : null,
      position: i,
      prompts: JSON.stringify(a.prompts),
      resources: JSON.stringify(a.resources),
    });
    naming.push({ assignmentId: String(i), prefix: a.prefix, serverSlug: item.slug, tools: a.tools ?? offered });
    const listed =
      a.mode === "static" && a.credentialId && a.resources?.length !== 0 && options.listResources
        ? options.listResources(item, a.credentialId)
        : Promise.resolve(null);
    exposing.push(listed.then((l) => ({ serverSlug: item.slug, resources: a.resources, listed: l })));
  }
  const collisions = findNameCollisions(naming);
  if (collisions.size) {
    const list = [...collisions].map(([name, who]) => `${name} (${who.join(", ")})`).join("; ");
    throw new AppError(
      "conflict",
      `Two tools would have the same name: ${list}. Give one of the servers a different prefix.`,
    );
  }
  // Listed before the transaction: no network I/O inside it.
  const shared = findResourceClashes(await Promise.all(exposing));
  if (shared.size) {
    const list = [...shared].map(([uri, who]) => `${uri.slice(0, 200)} (${who.join(", ")})`).join("; ");
    throw new AppError(
      "conflict",
      `Two servers would offer the same resource: ${list}. Choose the resources of one of them so that only one offers it.`,
    );
  }
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom("gateway_tool_assignments").where("gateway_id", "=", gateway.id).execute();
    if (rows.length) await trx.insertInto("gateway_tool_assignments").values(rows).execute();
    await trx.updateTable("gateways").set({ updated_at: new Date() }).where("id", "=", gateway.id).execute();
  });
  forgetGateway(gateway.id);
  await recordEvent(db, {
    action: "gateway.assignments",
    outcome: "ok",
    actor_user_id: viewer.kind === "user" ? viewer.actor.id : null,
    gateway_id: gateway.id,
    details: { count: rows.length },
  });
  return rows.length;
}

/** A static credential is bound by its owner, an admin, or an admin of its team. */
async function checkStaticCredential(
  db: Database,
  viewer: GatewayViewer,
  gatewayTeamId: string | null,
  itemId: string,
  credentialId: string,
  index: number,
): Promise<void> {
  const field = { [`assignments.${index}.credentialId`]: "Not a credential you can assign." };
  const c = await db.selectFrom("credentials").selectAll().where("id", "=", credentialId).executeTakeFirst();
  if (!c || c.catalog_item_id !== itemId)
    throw new AppError("bad_request", "That credential is not for this server.", field);
  if (viewer.kind !== "user") throw new AppError("forbidden", "Only people can assign credentials.", field);
  // A personal credential is bound only by its owner, an org admin included: nobody else may
  // decide that everyone calling a gateway uses someone's own account.
  const allowed =
    c.scope === "personal"
      ? c.owner_user_id === viewer.actor.id
      : isAdmin(viewer.actor) ||
        (c.owner_team_id !== null &&
          viewer.adminTeamIds.includes(c.owner_team_id) &&
          c.owner_team_id === gatewayTeamId);
  if (!allowed)
    throw new AppError(
      "forbidden",
      "You can assign only your own personal credentials, or your team's credentials on its gateways.",
      field,
    );
}
