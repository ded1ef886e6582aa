import { getDb } from "@/db";
import { api, requireApiActor } from "@/lib/http/api";
import { removeRegisteredClient } from "@/lib/oauth-server/registered-clients";

// DELETE /api/v1/admin/oauth-clients/<client id> - remove a registered client and disconnect its apps (admins)
export const DELETE = api(async (request, { params }: { params: Promise<{ id: string }> }) => {
  const actor = await requireApiActor(request);
  await removeRegisteredClient(getDb(), actor, (await params).id);
  return new Response(null, { status: 204 });
});
