import type { Database } from "@/db";
import type { Keyring } from "@/lib/crypto";
import { getLogger } from "@/lib/log";
import { getOrchestrator } from "@/lib/orchestrator";
import { discoverRemoteTools } from "./discover-remote-tools";

/**
 * What follows a new credential, whichever way it was made (form, API, OAuth): a local
 * server's instance starts now rather than at the next reconcile pass; a remote server's tools
 * are learnt with the credential that can reach it.
 */
export async function afterInstall(
  db: Database,
  keyring: Keyring,
  installed: { kind: "local" | "remote"; itemId: string; id: string },
): Promise<void> {
  const orchestrator = await getOrchestrator();
  if (installed.kind === "local") {
    void orchestrator.reconciler.trigger().catch(() => {});
    return;
  }
  await discoverRemoteTools(db, orchestrator, keyring, installed.itemId, installed.id).catch((err: Error) =>
    getLogger().warn({ err: err.message }, "could not list the remote server's tools"),
  );
}
