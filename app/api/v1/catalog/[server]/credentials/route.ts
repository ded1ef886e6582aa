import { getDb } from "@/db";
import { getKeyring } from "@/lib/app-secrets";
import { type InstallInput, installCredential } from "@/lib/credentials/install-credential";
import { api, readJson, requireApiActor } from "@/lib/http/api";
import { afterInstall } from "@/lib/registry/after-install";

// POST /api/v1/catalog/:server/credentials - install a server: create (or replace) your credential for it
export const POST = api(async (request, { params }: { params: Promise<{ server: string }> }) => {
  const actor = await requireApiActor(request);
  const body = (await readJson(request)) as InstallInput;
  const db = getDb();
  const result = await installCredential(db, getKeyring(), actor, (await params).server, body);
  await afterInstall(db, getKeyring(), result);
  return Response.json(
    { credential: { id: result.id, replaced: result.replaced } },
    { status: result.replaced ? 200 : 201 },
  );
});
