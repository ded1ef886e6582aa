import { getDb } from "@/db";
import { api, readJson, requireApiActor } from "@/lib/http/api";
import { createToken } from "@/lib/tokens/create-token";
import type { CreateTokenInput } from "@/lib/tokens/schemas";

// POST /api/v1/org/tokens - the organisation-wide token (admins)
export const POST = api(async (request) => {
  const actor = await requireApiActor(request);
  const created = await createToken(getDb(), actor, { kind: "org" }, (await readJson(request)) as CreateTokenInput);
  return Response.json({ token: created.token, ...created.listing }, { status: 201 });
});
