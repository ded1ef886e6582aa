import type { Database } from "@/db";
import { isUniqueViolation } from "@/db/errors";
import type { CatalogItemsTable } from "@/db/schema";
import type { Selectable } from "kysely";
import { recordEvent } from "@/lib/audit/record-event";
import { type Actor, isAdmin } from "@/lib/auth/actor";
import { catalogConfigContext, type Keyring, seal } from "@/lib/crypto";
import { AppError, forbidden } from "@/lib/errors";
import { slugify } from "@/lib/slug";
import { isUuid, parseInput } from "@/lib/validation";
import { type CatalogItemInput, catalogItemSchema } from "./schemas";

export type CatalogItem = Selectable<CatalogItemsTable>;

/** Pure: what a catalog item may show outside the server (never its sealed configuration). */
export function publicCatalogItem(item: CatalogItem) {
  const { sealed_config: _, ...rest } = item;
  return { ...rest, has_client_secret: item.sealed_config !== null };
}

/** An admin adds a server to the private registry. */
export async function createCatalogItem(
  db: Database,
  keyring: Keyring,
  actor: Actor,
  input: CatalogItemInput,
): Promise<CatalogItem> {
  if (!isAdmin(actor)) throw forbidden("Only admins can add servers to the registry.");
  return insertCatalogItem(db, keyring, input, actor.id);
}

/** Adds a server to the registry (authorization is the caller's business); `createdBy` null for the app itself. */
export async function insertCatalogItem(
  db: Database,
  keyring: Keyring,
  input: CatalogItemInput,
  createdBy: string | null,
): Promise<CatalogItem> {
  const data = parseInput(catalogItemSchema, input);
  const id = crypto.randomUUID();
  const slug = data.slug ?? slugify(data.name, "server");
  const row =
    data.kind === "local"
      ? {
          id,
          slug,
          name: data.name,
          description: data.description,
          kind: "local" as const,
          command: data.command ?? null,
          args: JSON.stringify(data.args),
          image: data.image ?? null,
          image_pull_secret: data.imagePullSecret ?? null,
          transport: data.transport,
          http_port: data.httpPort ?? null,
          http_path: data.httpPath ?? null,
          env_schema: JSON.stringify(data.env),
          created_by: createdBy,
        }
      : {
          id,
          slug,
          name: data.name,
          description: data.description,
          kind: "remote" as const,
          url: data.url,
          auth_kind: data.authKind,
          auth_config: JSON.stringify({
            ...(data.headerName ? { headerName: data.headerName } : {}),
            ...(data.oauthClientId ? { clientId: data.oauthClientId } : {}),
            ...(data.scopes ? { scopes: data.scopes } : {}),
          }),
          sealed_config: data.oauthClientSecret
            ? seal(keyring, data.oauthClientSecret, catalogConfigContext({ id }))
            : null,
          created_by: createdBy,
        };
  try {
    const item = await db.insertInto("catalog_items").values(row).returningAll().executeTakeFirstOrThrow();
    await recordEvent(db, { action: "catalog.create", outcome: "ok", actor_user_id: createdBy, catalog_item_id: id });
    return item;
  } catch (err) {
    if (isUniqueViolation(err))
      throw new AppError("conflict", `A server with the slug "${slug}" already exists.`, { slug: "Already in use." });
    throw err;
  }
}

export async function findCatalogItem(db: Database, idOrSlug: string): Promise<CatalogItem | undefined> {
  return db
    .selectFrom("catalog_items")
    .selectAll()
    .where(isUuid(idOrSlug) ? "id" : "slug", "=", idOrSlug)
    .executeTakeFirst();
}
