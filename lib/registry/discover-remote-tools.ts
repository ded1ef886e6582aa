import type { Database } from "@/db";
import type { Keyring } from "@/lib/crypto";
import { upstreamClient } from "@/lib/orchestrator/upstream-client";
import type { Orchestrator } from "@/lib/orchestrator";
import { listAllTools, storeDiscoveredTools } from "@/lib/orchestrator/discover-tools";

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
  await storeDiscoveredTools(db, itemId, tools);
  return tools.length;
}
