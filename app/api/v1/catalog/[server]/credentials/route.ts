import { getDb } from "@/db";
import { getKeyring } from "@/lib/app-secrets";
import { type InstallInput, installCredential } from "@/lib/credentials/install-credential";
import { api, readJson, requireApiActor } from "@/lib/http/api";
import { getLogger } from "@/lib/log";
import { getOrchestrator } from "@/lib/orchestrator";
import { discoverRemoteTools } from "@/lib/registry/discover-remote-tools";

// POST /api/v1/catalog/:server/credentials - install a server: create (or replace) your credential for it
export const POST = api(async (request, { params }: { params: Promise<{ server: string }> }) => {
  const actor = await requireApiActor(request);
  const body = (await readJson(request)) as InstallInput;
  const db = getDb();
  const result = await installCredential(db, getKeyring(), actor, (await params).server, body);
  const orchestrator = await getOrchestrator();
  if (result.kind === "remote") {
    // Its tools are learnt with the credential that can reach it.
    await discoverRemoteTools(db, orchestrator, getKeyring(), result.itemId, result.id).catch((err: Error) =>
      getLogger().warn({ err: err.message }, "could not list the remote server's tools"),
    );
  } else {
    // Start its instance now rather than at the next reconcile pass.
    void orchestrator.reconciler.trigger().catch(() => {});
  }
  return Response.json(
    { credential: { id: result.id, replaced: result.replaced } },
    { status: result.replaced ? 200 : 201 },
  );
});
