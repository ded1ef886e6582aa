import { getDb } from "@/db";
import { listSharedTokens } from "@/db/queries/tokens";
import { isAdmin } from "@/lib/auth/actor";
import { forbidden } from "@/lib/errors";
import { api, readJson, requireApiActor } from "@/lib/http/api";
import { createToken } from "@/lib/tokens/create-token";
import type { CreateTokenInput } from "@/lib/tokens/schemas";

// GET /api/v1/org/tokens - the organisation's tokens, by prefix (admins)
export const GET = api(async (request) => {
  const actor = await requireApiActor(request);
  if (!isAdmin(actor)) throw forbidden("Only admins see organisation tokens.");
  return Response.json({ tokens: await listSharedTokens(getDb(), [], true) });
});

// POST /api/v1/org/tokens - the organisation-wide token (admins)
export const POST = api(async (request) => {
  const actor = await requireApiActor(request);
  const created = await createToken(getDb(), actor, { kind: "org" }, (await readJson(request)) as CreateTokenInput);
  return Response.json({ token: created.token, ...created.listing }, { status: 201 });
});
