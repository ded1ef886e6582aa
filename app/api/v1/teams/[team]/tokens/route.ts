import { getDb } from "@/db";
import { listSharedTokens } from "@/db/queries/tokens";
import { api, readJson, requireApiActor } from "@/lib/http/api";
import { getManagedTeamOrThrow, getTeamOrThrow } from "@/lib/teams/team-access";
import { createToken } from "@/lib/tokens/create-token";
import type { CreateTokenInput } from "@/lib/tokens/schemas";

// GET /api/v1/teams/:team/tokens - the team's tokens, by prefix (team admins)
export const GET = api(async (request, { params }: { params: Promise<{ team: string }> }) => {
  const db = getDb();
  const actor = await requireApiActor(request);
  const { team } = await getManagedTeamOrThrow(db, actor, (await params).team);
  return Response.json({ tokens: await listSharedTokens(db, [team.id], false) });
});

// POST /api/v1/teams/:team/tokens - a token that acts for the team at its gateways (team admins)
export const POST = api(async (request, { params }: { params: Promise<{ team: string }> }) => {
  const db = getDb();
  const actor = await requireApiActor(request);
  const { team } = await getTeamOrThrow(db, actor, (await params).team);
  const created = await createToken(
    db,
    actor,
    { kind: "team", teamId: team.id },
    (await readJson(request)) as CreateTokenInput,
  );
  return Response.json({ token: created.token, ...created.listing }, { status: 201 });
});
