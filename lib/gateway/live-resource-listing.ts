import "server-only";
import { getKeyring } from "@/lib/app-secrets";
import type { Database } from "@/db";
import { getOrchestrator } from "@/lib/orchestrator";
import { upstreamClient } from "@/lib/orchestrator/upstream-client";
import { listResourcesWhole, listTemplatesWhole } from "./whole-definitions";

/** How long a save waits for a server's resources before it is saved without knowing them. */
export const SAVE_LISTING_TIMEOUT_MS = 3000;

/**
 * What a server lists with one credential, learnt while a gateway's assignments are saved to
 * find resource URIs two servers would share; null when it cannot be learnt in
 * SAVE_LISTING_TIMEOUT_MS (the save goes on: reads then go to the earlier assignment).
 */
export async function liveResourceListing(
  db: Database,
  item: { id: string; slug: string; name: string; kind: "local" | "remote" },
  credentialId: string,
): Promise<{ uris: string[]; templates: string[] } | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), SAVE_LISTING_TIMEOUT_MS);
  });
  const listing = (async () => {
    const client = await upstreamClient(db, await getOrchestrator(), getKeyring(), item, credentialId);
    if (!client.getServerCapabilities()?.resources) return { uris: [], templates: [] };
    const what = `${item.name}'s resource list`;
    const options = { timeoutMs: SAVE_LISTING_TIMEOUT_MS };
    const [resources, templates] = await Promise.all([
      listResourcesWhole(client, what, options),
      listTemplatesWhole(client, what, options),
    ]);
    return { uris: resources.map((r) => r.uri), templates: templates.map((t) => t.uriTemplate) };
  })().catch(() => null);
  try {
    return await Promise.race([listing, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
