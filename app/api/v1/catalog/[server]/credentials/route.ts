import { getDb } from "@/db";
import { getKeyring } from "@/lib/app-secrets";
import { type InstallInput, installCredential } from "@/lib/credentials/install-credential";
import { api, readJson, requireApiActor } from "@/lib/http/api";
import { getOrchestrator } from "@/lib/orchestrator";

// POST /api/v1/catalog/:server/credentials - install a server: create (or replace) your credential for it
export const POST = api(async (request, { params }: { params: Promise<{ server: string }> }) => {
  const actor = await requireApiActor(request);
  const body = (await readJson(request)) as InstallInput;
  const result = await installCredential(getDb(), getKeyring(), actor, (await params).server, body);
  // Start its instance now rather than at the next reconcile pass.
  void getOrchestrator()
    .then((o) => o.reconciler.trigger())
    .catch(() => {});
  return Response.json({ credential: result }, { status: result.replaced ? 200 : 201 });
});
