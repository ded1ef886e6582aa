import type { Database } from "@/db";
import type { Keyring } from "@/lib/crypto";
import { upstreamClient } from "@/lib/gateway/upstream";
import type { Orchestrator } from "@/lib/orchestrator";
import { listAllTools } from "@/lib/orchestrator/discover-tools";
import { getReplicaBus } from "@/lib/replica-bus";

/** Lists a remote server's tools with a credential just installed, and stores them. */
export async function discoverRemoteTools(
  db: Database,
  orchestrator: Orchestrator,
  keyring: Keyring,
  itemId: string,
  credentialId: string,
): Promise<number> {
  const client = await upstreamClient(db, orchestrator, keyring, { id: itemId, kind: "remote" }, credentialId);
  const tools = await listAllTools(client);
  await db
    .updateTable("catalog_items")
    .set({ tools: JSON.stringify(tools), tools_discovered_at: new Date(), updated_at: new Date() })
    .where("id", "=", itemId)
    .execute();
  // Gateways that offer this server hear that their tools changed.
  await getReplicaBus()
    .publish({ kind: "catalog-changed", itemId })
    .catch(() => {});
  return tools.length;
}
