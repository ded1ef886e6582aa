import type { Database } from "@/db";
import { isUniqueViolation } from "@/db/errors";
import { recordEvent } from "@/lib/audit/record-event";
import { isAdmin } from "@/lib/auth/actor";
import { AppError, forbidden } from "@/lib/errors";
import { slugify } from "@/lib/slug";
import { parseInput } from "@/lib/validation";
import type { Gateway, GatewayViewer } from "./gateway-access";
import { type CreateGatewayInput, createGatewaySchema } from "./schemas";

/** Admins create org-wide or team gateways; team admins create gateways for their team. */
export async function createGateway(db: Database, viewer: GatewayViewer, input: CreateGatewayInput): Promise<Gateway> {
  if (viewer.kind !== "user") throw forbidden("Gateways are created by people, not tokens of teams or the org.");
  const data = parseInput(createGatewaySchema, input);
  if (!isAdmin(viewer.actor) && !(data.teamId && viewer.adminTeamIds.includes(data.teamId))) {
    throw forbidden("Only admins create org-wide gateways; team admins create them for their team.");
  }
  const slug = data.slug ?? slugify(data.name, "gateway");
  try {
    const gateway = await db
      .insertInto("gateways")
      .values({
        slug,
        name: data.name,
        description: data.description,
        owner_team_id: data.teamId ?? null,
        created_by: viewer.actor.id,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordEvent(db, {
      action: "gateway.create",
      outcome: "ok",
      actor_user_id: viewer.actor.id,
      gateway_id: gateway.id,
    });
    return gateway;
  } catch (err) {
    if (isUniqueViolation(err))
      throw new AppError("conflict", `A gateway with the slug "${slug}" already exists.`, { slug: "Already in use." });
    throw err;
  }
}
