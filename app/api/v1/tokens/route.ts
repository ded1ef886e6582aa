import { getDb } from "@/db";
import { listUserTokens } from "@/db/queries/tokens";
import { api, readJson, requireApiActor } from "@/lib/http/api";
import { createUserToken } from "@/lib/tokens/create-token";

// GET /api/v1/tokens - the caller's personal tokens (prefix only)
export const GET = api(async (request) => {
  const actor = await requireApiActor(request);
  return Response.json({ tokens: await listUserTokens(getDb(), actor.id) });
});

// POST /api/v1/tokens - create a personal token; the token is in this response only
export const POST = api(async (request) => {
  const actor = await requireApiActor(request);
  const created = await createUserToken(getDb(), actor, (await readJson(request)) as never);
  return Response.json({ token: created.token, ...created.listing }, { status: 201 });
});
