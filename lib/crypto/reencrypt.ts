import type { Database } from "@/db";
import type { Keyring } from "./keyring";
import { resealIfStale, type SealContext } from "./seal";
import {
  catalogConfigContext,
  credentialSecretContext,
  oauthServerModelContext,
  oauthStateContext,
} from "./sealed-columns";

export interface ReencryptResult {
  scanned: number;
  resealed: number;
}

interface SealedValue {
  sealed: string;
  ctx: SealContext;
  /** Writes the new value only if the stored one is still `sealed`; returns rows updated. */
  replace(fresh: string): Promise<bigint>;
}

/** Every sealed column, as a reader of its values. Add new sealed columns here. */
const SEALED_COLUMNS: ((db: Database) => Promise<SealedValue[]>)[] = [
  async (db) =>
    (
      await db.selectFrom("credentials").select(["id", "owner_user_id", "owner_team_id", "sealed_secret"]).execute()
    ).map((row) => ({
      sealed: row.sealed_secret,
      ctx: credentialSecretContext(row),
      replace: async (fresh) =>
        (
          await db
            .updateTable("credentials")
            .set({ sealed_secret: fresh })
            .where("id", "=", row.id)
            .where("sealed_secret", "=", row.sealed_secret)
            .executeTakeFirst()
        ).numUpdatedRows,
    })),
  async (db) =>
    (
      await db
        .selectFrom("catalog_items")
        .select(["id", "sealed_config"])
        .where("sealed_config", "is not", null)
        .execute()
    ).map((row) => ({
      sealed: row.sealed_config as string,
      ctx: catalogConfigContext(row),
      replace: async (fresh) =>
        (
          await db
            .updateTable("catalog_items")
            .set({ sealed_config: fresh })
            .where("id", "=", row.id)
            .where("sealed_config", "=", row.sealed_config)
            .executeTakeFirst()
        ).numUpdatedRows,
    })),
  async (db) =>
    (
      await db
        .selectFrom("oauth_states")
        .select(["state", "user_id", "sealed_payload"])
        .where("used_at", "is", null)
        .execute()
    ).map((row) => ({
      sealed: row.sealed_payload,
      ctx: oauthStateContext(row),
      replace: async (fresh) =>
        (
          await db
            .updateTable("oauth_states")
            .set({ sealed_payload: fresh })
            .where("state", "=", row.state)
            .where("sealed_payload", "=", row.sealed_payload)
            .executeTakeFirst()
        ).numUpdatedRows,
    })),
  async (db) =>
    (await db.selectFrom("oauth_server_models").select(["model", "id_hash", "sealed_payload"]).execute()).map(
      (row) => ({
        sealed: row.sealed_payload,
        ctx: oauthServerModelContext(row),
        replace: async (fresh) =>
          (
            await db
              .updateTable("oauth_server_models")
              .set({ sealed_payload: fresh })
              .where("model", "=", row.model)
              .where("id_hash", "=", row.id_hash)
              .where("sealed_payload", "=", row.sealed_payload)
              .executeTakeFirst()
          ).numUpdatedRows,
      }),
    ),
];

/**
 * Moves every sealed value to the keyring's current key, so an old key version can be
 * retired. A row changed meanwhile is left alone (its new value is already current). Safe to re-run.
 */
export async function reencryptAll(db: Database, keyring: Keyring): Promise<ReencryptResult> {
  const result: ReencryptResult = { scanned: 0, resealed: 0 };
  for (const read of SEALED_COLUMNS) {
    for (const value of await read(db)) {
      result.scanned += 1;
      const fresh = resealIfStale(keyring, value.sealed, value.ctx);
      if (fresh) result.resealed += Number(await value.replace(fresh));
    }
  }
  return result;
}
