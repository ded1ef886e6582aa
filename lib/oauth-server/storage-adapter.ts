import { type Adapter, type AdapterPayload, errors } from "oidc-provider";
import type { Database } from "@/db";
import { type Keyring, openJson, sealJson } from "@/lib/crypto";
import { oauthServerModelContext } from "@/lib/crypto/sealed-columns";
import { hashToken as hash } from "@/lib/tokens/token-format";

/**
 * The storage of the app's OAuth authorization server (oidc-provider) over the app's database,
 * so that any replica can serve any step of a flow: one row per record, each call one statement
 * (no transaction held, nothing but the database in between).
 *
 * Nothing a row holds is usable from a copy of the database: ids are kept as SHA-256 hashes (an
 * access or refresh token's id is the token itself, an authorization code's the code), as are
 * interaction uids and user codes, and payloads are sealed with the app's keyring, bound to
 * their row.
 */

/**
 * A dynamically registered client that goes unused this long is forgotten (oidc-provider keeps
 * registrations forever; anyone may register one). Each use pushes its end back, at most once a
 * day per client.
 */
export const UNUSED_CLIENT_TTL_SECONDS = 30 * 86_400;
const CLIENT_TOUCH_EVERY_MS = 86_400_000;

export function storageAdapter(db: Database, keyring: Keyring, model: string): Adapter {
  const open = (row: { id_hash: string; sealed_payload: string; consumed_at: Date | null }): AdapterPayload => {
    const payload = openJson<AdapterPayload>(
      keyring,
      row.sealed_payload,
      oauthServerModelContext({ model, id_hash: row.id_hash }),
    );
    return row.consumed_at ? { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : payload;
  };
  const unexpired = () =>
    db
      .selectFrom("oauth_server_models")
      .select(["id_hash", "sealed_payload", "consumed_at"])
      .where("model", "=", model)
      .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", new Date())]));
  const first = async (query: ReturnType<typeof unexpired>) => {
    const row = await query.executeTakeFirst();
    return row ? open(row) : undefined;
  };

  return {
    async upsert(id, payload, expiresIn) {
      const expiresAt = expiresIn
        ? new Date(Date.now() + expiresIn * 1000)
        : model === "Client"
          ? new Date(Date.now() + UNUSED_CLIENT_TTL_SECONDS * 1000)
          : null;
      await writeRecord(db, keyring, model, id, payload, expiresAt);
    },
    async find(id) {
      const idHash = hash(id);
      if (model !== "Client") return first(unexpired().where("id_hash", "=", idHash));
      const row = await unexpired().select("expires_at").where("id_hash", "=", idHash).executeTakeFirst();
      if (!row) return undefined;
      // In use: its end moves on (written when it has come a day closer).
      const end = Date.now() + UNUSED_CLIENT_TTL_SECONDS * 1000;
      if (row.expires_at && end - row.expires_at.getTime() > CLIENT_TOUCH_EVERY_MS)
        await db
          .updateTable("oauth_server_models")
          .set({ expires_at: new Date(end) })
          .where("model", "=", model)
          .where("id_hash", "=", idHash)
          .execute();
      return open(row);
    },
    findByUid: (uid) => first(unexpired().where("uid_hash", "=", hash(uid))),
    findByUserCode: (userCode) => first(unexpired().where("user_code_hash", "=", hash(userCode))),
    async consume(id) {
      // Once only, whichever replica asks first: a code or refresh token presented twice at
      // once is used by one request, and the other revokes what it was issued with.
      const idHash = hash(id);
      const consumed = await db
        .updateTable("oauth_server_models")
        .set({ consumed_at: new Date() })
        .where("model", "=", model)
        .where("id_hash", "=", idHash)
        .where("consumed_at", "is", null)
        .returning("grant_id")
        .executeTakeFirst();
      if (consumed) return;
      const row = await db
        .selectFrom("oauth_server_models")
        .select("grant_id")
        .where("model", "=", model)
        .where("id_hash", "=", idHash)
        .executeTakeFirst();
      if (row?.grant_id) await revokeGrant(db, row.grant_id);
      throw new errors.InvalidGrant("grant request is invalid");
    },
    async destroy(id) {
      // A grant destroyed (the client revoked its refresh token) takes its connected app along.
      if (model === "Grant") return revokeGrant(db, id);
      await db.deleteFrom("oauth_server_models").where("model", "=", model).where("id_hash", "=", hash(id)).execute();
    },
    revokeByGrantId: (grantId) => revokeGrant(db, grantId),
  };
}

/** Writes one record (a new one, or over the last of the same id); `expiresAt` null keeps it until deleted. */
async function writeRecord(
  db: Database,
  keyring: Keyring,
  model: string,
  id: string,
  payload: AdapterPayload,
  expiresAt: Date | null,
): Promise<void> {
  const idHash = hash(id);
  const row = {
    model,
    id_hash: idHash,
    sealed_payload: sealJson(keyring, payload, oauthServerModelContext({ model, id_hash: idHash })),
    grant_id: payload.grantId ?? null,
    uid_hash: payload.uid ? hash(payload.uid) : null,
    user_code_hash: payload.userCode ? hash(payload.userCode) : null,
    expires_at: expiresAt,
  };
  await db
    .insertInto("oauth_server_models")
    .values(row)
    .onConflict((oc) =>
      oc.columns(["model", "id_hash"]).doUpdateSet({
        sealed_payload: row.sealed_payload,
        grant_id: row.grant_id,
        uid_hash: row.uid_hash,
        user_code_hash: row.user_code_hash,
        expires_at: row.expires_at,
      }),
    )
    .execute();
}

/** A client an admin registered: kept until an admin removes it (registrations anyone makes expire unused). */
export const savePermanentClient = (db: Database, keyring: Keyring, clientId: string, metadata: AdapterPayload) =>
  writeRecord(db, keyring, "Client", clientId, metadata, null);

/** The clients admins registered (payloads opened), and removing one. */
export async function permanentClients(db: Database, keyring: Keyring): Promise<AdapterPayload[]> {
  const rows = await db
    .selectFrom("oauth_server_models")
    .select(["id_hash", "sealed_payload"])
    .where("model", "=", "Client")
    .where("expires_at", "is", null)
    .orderBy("created_at")
    .execute();
  return rows.map((row) =>
    openJson<AdapterPayload>(
      keyring,
      row.sealed_payload,
      oauthServerModelContext({ model: "Client", id_hash: row.id_hash }),
    ),
  );
}

export async function deletePermanentClient(db: Database, clientId: string): Promise<boolean> {
  const result = await db
    .deleteFrom("oauth_server_models")
    .where("model", "=", "Client")
    .where("id_hash", "=", hash(clientId))
    .where("expires_at", "is", null)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * A grant, every record issued with it (codes, access and refresh tokens), and the connected app
 * it stands for: however a grant ends (the person or an admin revokes the app, the client revokes
 * its refresh token, a code or refresh token is presented twice), it ends here.
 */
export async function revokeGrant(db: Database, grantId: string): Promise<void> {
  await db
    .deleteFrom("oauth_server_models")
    .where((eb) =>
      eb.or([eb("grant_id", "=", grantId), eb.and([eb("model", "=", "Grant"), eb("id_hash", "=", hash(grantId))])]),
    )
    .execute();
  await db
    .updateTable("access_tokens")
    .set({ revoked_at: new Date() })
    .where("oauth_grant_id", "=", grantId)
    .where("revoked_at", "is", null)
    .execute();
}

/** Deletes records past their expiry; returns how many. */
export async function pruneExpired(db: Database, now = new Date()): Promise<number> {
  const result = await db.deleteFrom("oauth_server_models").where("expires_at", "<=", now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
