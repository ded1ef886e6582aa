import type { AuthorizationServerMetadata } from "@modelcontextprotocol/sdk/shared/auth.js";
import { sql } from "kysely";
import type { Database } from "@/db";
import { recordEvent } from "@/lib/audit/record-event";
import { type Actor, isAdmin } from "@/lib/auth/actor";
import { AppError, forbidden, notFound } from "@/lib/errors";
import { findCatalogItem } from "@/lib/registry/create-catalog-item";

/**
 * The sign-in endpoints of an OAuth server, pinned to its catalog entry the first time they are
 * discovered. If discovery later finds others (an upstream that changed its metadata, or one
 * that was taken over), nobody signs in until an admin confirms the change: the new endpoints
 * wait in `auth_config.pendingEndpoints`.
 */
export interface PinnedEndpoints {
  authorizationServer: string;
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  registration_endpoint?: string;
  revocation_endpoint?: string;
}

const LABELS: Record<keyof PinnedEndpoints, string> = {
  authorizationServer: "authorization server",
  issuer: "issuer",
  authorization_endpoint: "authorization endpoint",
  token_endpoint: "token endpoint",
  registration_endpoint: "registration endpoint",
  revocation_endpoint: "revocation endpoint",
};

/** Pure: the endpoints to pin from discovered metadata. */
export function endpointsOf(
  authorizationServer: string,
  metadata: AuthorizationServerMetadata & { revocation_endpoint?: string },
): PinnedEndpoints {
  return {
    authorizationServer,
    issuer: metadata.issuer,
    authorization_endpoint: metadata.authorization_endpoint,
    token_endpoint: metadata.token_endpoint,
    ...(metadata.registration_endpoint ? { registration_endpoint: metadata.registration_endpoint } : {}),
    ...(metadata.revocation_endpoint ? { revocation_endpoint: metadata.revocation_endpoint } : {}),
  };
}

/** Pure: what changed, one line each ("token endpoint: A -> B"). */
export function endpointChanges(pinned: PinnedEndpoints, found: PinnedEndpoints): string[] {
  return (Object.keys(LABELS) as (keyof PinnedEndpoints)[])
    .filter((k) => (pinned[k] ?? "") !== (found[k] ?? ""))
    .map((k) => `${LABELS[k]}: ${pinned[k] ?? "(none)"} -> ${found[k] ?? "(none)"}`);
}

type PinItem = { id: string; name: string; slug: string; auth_config: Record<string, unknown> };

/** The pinned and the waiting endpoints of a catalog entry, as stored. */
export function pinsOf(item: { auth_config: Record<string, unknown> }) {
  return {
    pinned: item.auth_config.pinnedEndpoints as PinnedEndpoints | undefined,
    pending: item.auth_config.pendingEndpoints as PinnedEndpoints | undefined,
  };
}

/**
 * Pins the endpoints on first use; afterwards refuses a flow whose discovery found others,
 * recording them for an admin to confirm.
 */
export async function checkPinnedEndpoints(db: Database, item: PinItem, found: PinnedEndpoints): Promise<void> {
  const { pinned } = pinsOf(item);
  if (!pinned) {
    // Only the first writer pins: a concurrent first sign-in that found others is checked again.
    const updated = await db
      .updateTable("catalog_items")
      .set({ auth_config: sql`jsonb_set(auth_config, '{pinnedEndpoints}', ${JSON.stringify(found)}::jsonb)` })
      .where("id", "=", item.id)
      .where(sql<boolean>`auth_config->'pinnedEndpoints' is null`)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 1) return;
    const again = await db
      .selectFrom("catalog_items")
      .select("auth_config")
      .where("id", "=", item.id)
      .executeTakeFirstOrThrow();
    return checkPinnedEndpoints(db, { ...item, auth_config: again.auth_config }, found);
  }
  const changes = endpointChanges(pinned, found);
  if (!changes.length) return;
  await db
    .updateTable("catalog_items")
    .set({ auth_config: sql`jsonb_set(auth_config, '{pendingEndpoints}', ${JSON.stringify(found)}::jsonb)` })
    .where("id", "=", item.id)
    .execute();
  await recordEvent(db, {
    action: "catalog.oauth_endpoints_changed",
    outcome: "denied",
    catalog_item_id: item.id,
    details: { changes },
  });
  throw new AppError(
    "conflict",
    `${item.name}'s sign-in endpoints changed since they were first used (${changes.join("; ")}). Nobody can connect until an admin confirms the change on the server's registry page (or: POST /api/v1/catalog/${item.slug}/oauth-endpoints).`,
  );
}

/** An admin accepts the waiting endpoints: they become the pinned ones. */
export async function confirmPinnedEndpoints(db: Database, actor: Actor, slug: string): Promise<PinnedEndpoints> {
  if (!isAdmin(actor)) throw forbidden("Only an admin can confirm a server's new sign-in endpoints.");
  const item = await findCatalogItem(db, slug);
  if (!item) throw notFound("Server");
  const { pinned, pending } = pinsOf(item);
  if (!pending)
    throw new AppError("conflict", `${item.name} has no changed sign-in endpoints waiting to be confirmed.`);
  await db
    .updateTable("catalog_items")
    .set({
      auth_config: sql`jsonb_set(auth_config - 'pendingEndpoints', '{pinnedEndpoints}', ${JSON.stringify(pending)}::jsonb)`,
    })
    .where("id", "=", item.id)
    .execute();
  await recordEvent(db, {
    action: "catalog.oauth_endpoints_confirmed",
    outcome: "ok",
    actor_user_id: actor.id,
    catalog_item_id: item.id,
    details: { changes: pinned ? endpointChanges(pinned, pending) : [] },
  });
  return pending;
}
