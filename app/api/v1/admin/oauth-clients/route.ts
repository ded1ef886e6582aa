import { getDb } from "@/db";
import { getKeyring } from "@/lib/app-secrets";
import { api, readJson, requireApiActor } from "@/lib/http/api";
import { publicOrigin } from "@/lib/http/public-url";
import { appAuthorizationServer } from "@/lib/oauth-server/app-server";
import { listRegisteredClients, registerClient } from "@/lib/oauth-server/registered-clients";

// GET /api/v1/admin/oauth-clients - the OAuth clients admins registered (admins)
export const GET = api(async (request) => {
  const actor = await requireApiActor(request);
  return Response.json({ clients: await listRegisteredClients(getDb(), getKeyring(), actor) });
});

// POST /api/v1/admin/oauth-clients {name, redirectUris} - register a client for sign-in to gateways (admins)
export const POST = api(async (request) => {
  const actor = await requireApiActor(request);
  const provider = appAuthorizationServer(publicOrigin(request.headers));
  const client = await registerClient(provider, getDb(), getKeyring(), actor, await readJson(request));
  return Response.json({ client }, { status: 201 });
});
