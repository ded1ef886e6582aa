import { refreshAuthorization } from "@modelcontextprotocol/sdk/client/auth.js";
import type { AuthorizationServerMetadata } from "@modelcontextprotocol/sdk/shared/auth.js";
import { sql } from "kysely";
import type { Database } from "@/db";
import { recordEvent } from "@/lib/audit/record-event";
import type { CredentialSecret } from "@/lib/credentials/credential-secret";
import { credentialSecretContext, type Keyring, openJson, sealJson } from "@/lib/crypto";
import { forgetCredentials } from "@/lib/gateway/hot-path-cache";
import { plainFetch } from "@/lib/http/plain-fetch";
import { getLogger } from "@/lib/log";
import { clientForRefresh } from "./client-registration";

/** Refreshed this long before the access token expires. */
export const REFRESH_MARGIN_MS = 60_000;

/** The credential's OAuth tokens cannot be refreshed: the person must sign in again. */
export class NeedsReauthError extends Error {
  constructor(
    readonly credentialId: string,
    reason: string,
  ) {
    super(reason);
    this.name = "NeedsReauthError";
  }
}

type Cached = { token: string; expiresAt: number };
const KEY = Symbol.for("mcp-orchestrator.oauth-tokens");
type TokenGlobal = typeof globalThis & {
  [KEY]?: { tokens: Map<string, Cached>; refreshing: Map<string, Promise<string>> };
};
function state() {
  const g = globalThis as TokenGlobal;
  g[KEY] ??= { tokens: new Map(), refreshing: new Map() };
  return g[KEY];
}

const fresh = (c: { expiresAt?: number } | undefined, now = Date.now()) =>
  c !== undefined && (c.expiresAt === undefined || c.expiresAt - REFRESH_MARGIN_MS > now);

/**
 * A usable access token for an OAuth credential: from memory while it has more than a minute
 * left; otherwise (or when `stale` is the token an upstream just refused) refreshed. One
 * refresh at a time per credential: in this process by sharing the promise, across replicas by
 * a transaction-scoped advisory lock, after which a token another replica refreshed is used as is.
 */
export async function oauthAccessToken(
  db: Database,
  keyring: Keyring,
  credentialId: string,
  stale?: string,
): Promise<string> {
  const { tokens, refreshing } = state();
  const cached = tokens.get(credentialId);
  if (cached && fresh(cached) && cached.token !== stale) return cached.token;
  let pending = refreshing.get(credentialId);
  if (!pending) {
    pending = refresh(db, keyring, credentialId, stale).finally(() => refreshing.delete(credentialId));
    refreshing.set(credentialId, pending);
  }
  return pending;
}

async function refresh(db: Database, keyring: Keyring, credentialId: string, stale?: string): Promise<string> {
  const outcome = await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`oauth:${credentialId}`}))`.execute(trx);
    const row = await trx
      .selectFrom("credentials")
      .innerJoin("catalog_items as item", "item.id", "credentials.catalog_item_id")
      .select([
        "credentials.id",
        "credentials.owner_user_id",
        "credentials.owner_team_id",
        "credentials.sealed_secret",
        "credentials.status",
        "credentials.catalog_item_id",
        "item.name",
        "item.auth_config",
        "item.sealed_config",
      ])
      .where("credentials.id", "=", credentialId)
      .executeTakeFirst();
    if (!row || row.status === "revoked") throw new NeedsReauthError(credentialId, "The credential was revoked.");
    if (row.status === "needs_reauth")
      throw new NeedsReauthError(credentialId, "The credential needs signing in again.");
    const context = credentialSecretContext(row);
    const secret = openJson<CredentialSecret>(keyring, row.sealed_secret, context);
    const oauth = secret.oauth;
    if (!oauth) throw new NeedsReauthError(credentialId, "The credential holds no OAuth tokens.");
    // Still good, and not the token the server refused (perhaps refreshed by another replica).
    if (fresh(oauth) && oauth.accessToken !== stale) return { token: oauth.accessToken, expiresAt: oauth.expiresAt };
    const failed = async (reason: string) => {
      await trx
        .updateTable("credentials")
        .set({ status: "needs_reauth", status_reason: reason, updated_at: new Date() })
        .where("id", "=", credentialId)
        .execute();
      return { failed: reason, itemId: row.catalog_item_id };
    };
    if (!oauth.refreshToken || !oauth.authorizationServer || !oauth.clientId)
      return failed("The access token expired and there is no refresh token.");
    try {
      const tokens = await refreshAuthorization(oauth.authorizationServer, {
        metadata: oauth.metadata as AuthorizationServerMetadata | undefined,
        clientInformation: clientForRefresh(keyring, { ...row, id: row.catalog_item_id }, oauth.clientId),
        refreshToken: oauth.refreshToken,
        resource: oauth.resource ? new URL(oauth.resource) : undefined,
        fetchFn: plainFetch,
      });
      const next: CredentialSecret = {
        ...secret,
        oauth: {
          ...oauth,
          accessToken: tokens.access_token,
          refreshToken: tokens.refresh_token ?? oauth.refreshToken,
          expiresAt: tokens.expires_in ? Date.now() + tokens.expires_in * 1000 : undefined,
          scope: tokens.scope ?? oauth.scope,
        },
      };
      // updated_at is left alone: it versions the credential's settings, not its tokens.
      await trx
        .updateTable("credentials")
        .set({ sealed_secret: sealJson(keyring, next, context), status: "active", status_reason: null })
        .where("id", "=", credentialId)
        .execute();
      return { token: tokens.access_token, expiresAt: next.oauth?.expiresAt, refreshed: true };
    } catch (err) {
      getLogger().warn({ credentialId, err: (err as Error).message }, "OAuth refresh failed");
      return failed(`Refreshing the access token failed: ${(err as Error).message}`);
    }
  });
  if ("failed" in outcome) {
    state().tokens.delete(credentialId);
    forgetCredentials(outcome.itemId);
    await recordEvent(db, {
      action: "credential.refresh",
      outcome: "error",
      credential_id: credentialId,
      catalog_item_id: outcome.itemId,
      error: outcome.failed,
    });
    throw new NeedsReauthError(credentialId, outcome.failed);
  }
  state().tokens.set(credentialId, { token: outcome.token, expiresAt: outcome.expiresAt ?? Number.POSITIVE_INFINITY });
  return outcome.token;
}
