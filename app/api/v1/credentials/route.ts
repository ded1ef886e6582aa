import { getDb } from "@/db";
import { listVisibleCredentials } from "@/lib/credentials/list-credentials";
import { api, requireApiActor } from "@/lib/http/api";

// GET /api/v1/credentials - your credentials and your teams' (admins: all), never their secrets
export const GET = api(async (request) => {
  const actor = await requireApiActor(request);
  return Response.json({ credentials: await listVisibleCredentials(getDb(), actor) });
});
