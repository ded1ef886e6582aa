import { refreshAuthorization } from "@modelcontextprotocol/sdk/client/auth.js";
import type { AuthorizationServerMetadata } from "@modelcontextprotocol/sdk/shared/auth.js";
import { sql, type Updateable } from "kysely";
import type { Database } from "@/db";
import type { CredentialsTable } from "@/db/schema";
import { recordEvent } from "@/lib/audit/record-event";
import type { CredentialSecret } from "@/lib/credentials/credential-secret";
import { credentialSecretContext, type Keyring, openJson, sealJson } from "@/lib/crypto";
import { getEnv } from "@/lib/env";
import { egressPolicyFor, OutboundError, outboundFetch } from "@/lib/http/outbound";
import { getLogger } from "@/lib/log";
import { clientForRefresh } from "./client-registration";
import { getReplicaBus } from "@/lib/replica-bus";

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
  [KEY]?: {
    tokens: Map<string, Cached>;
    refreshing: Map<string, Promise<string>>;
    failures: Map<string, { until: number; message: string }>;
  };
};
function state() {
  const g = globalThis as TokenGlobal;
  g[KEY] ??= { tokens: new Map(), refreshing: new Map(), failures: new Map() };
  return g[KEY];
}

const fresh = (c: { expiresAt?: number } | undefined, now = Date.now()) =>
  c !== undefined && (c.expiresAt === undefined || c.expiresAt - REFRESH_MARGIN_MS > now);

/**
 * A usable access token for an OAuth credential: from memory while it has more than a minute
 * left; otherwise (or when `stale` is the token an upstream just refused) refreshed. One
 * refresh at a time per credential: in this process by sharing the promise, across replicas by
 * a short lease on the row (`refresh_lease_until`). No transaction is open while the token
 * endpoint answers, so a slow or hostile one holds no database connection; the outbound client
 * bounds its time and size.
 */
export async function oauthAccessToken(
  db: Database,
  keyring: Keyring,
  credentialId: string,
  stale?: string,
): Promise<string> {
  const { tokens, refreshing, failures } = state();
  const cached = tokens.get(credentialId);
  if (cached && fresh(cached) && cached.token !== stale) return cached.token;
  const failure = failures.get(credentialId);
  if (failure && failure.until > Date.now()) throw new RefreshFailedError(failure.message);
  let pending = refreshing.get(credentialId);
  if (!pending) {
    pending = refresh(db, keyring, credentialId, stale).finally(() => refreshing.delete(credentialId));
    refreshing.set(credentialId, pending);
  }
  return pending;
}

/** A refresh that failed for a reason that may pass (the token endpoint timed out or was unreachable). */
export class RefreshFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RefreshFailedError";
  }
}

/** After a refresh failed for a passing reason, calls fail at once for this long instead of waiting again. */
export const RETRY_AFTER_MS = 15_000;
const POLL_MS = 150;

async function loadCredential(db: Database, credentialId: string) {
  return db
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
      "item.url",
      "item.auth_config",
      "item.sealed_config",
    ])
    .where("credentials.id", "=", credentialId)
    .executeTakeFirst();
}

async function refresh(db: Database, keyring: Keyring, credentialId: string, stale?: string): Promise<string> {
  const timeoutMs = getEnv().ARCHESTRA_OUTBOUND_TIMEOUT_SECONDS * 1000;
  // Longer than one refresh can take, so a lease only lapses when its holder died.
  const leaseSeconds = Math.ceil(timeoutMs / 1000) + 5;
  const waitUntil = Date.now() + leaseSeconds * 1000 + 1000;
  for (;;) {
    const row = await loadCredential(db, credentialId);
    if (!row || row.status === "revoked") throw new NeedsReauthError(credentialId, "The credential was revoked.");
    if (row.status === "needs_reauth")
      throw new NeedsReauthError(credentialId, "The credential needs signing in again.");
    const context = credentialSecretContext(row);
    const secret = openJson<CredentialSecret>(keyring, row.sealed_secret, context);
    const oauth = secret.oauth;
    if (!oauth) throw new NeedsReauthError(credentialId, "The credential holds no OAuth tokens.");
    // Still good, and not the token the server refused (perhaps refreshed by another replica).
    if (fresh(oauth) && oauth.accessToken !== stale) return remember(credentialId, oauth.accessToken, oauth.expiresAt);
    // The lease is taken only on the version of the tokens just read: if another replica wrote
    // new ones meanwhile, this fails and the loop reads them.
    const claimed = await db
      .updateTable("credentials")
      .set({ refresh_lease_until: sql<Date>`now() + make_interval(secs => ${leaseSeconds})` })
      .where("id", "=", credentialId)
      .where("sealed_secret", "=", row.sealed_secret)
      .where((eb) => eb.or([eb("refresh_lease_until", "is", null), eb("refresh_lease_until", "<", sql<Date>`now()`)]))
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 1) return refreshHeld(db, keyring, row, secret, timeoutMs);
    if (Date.now() > waitUntil)
      throw new RefreshFailedError("Another replica's refresh of this credential did not finish. Try again shortly.");
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

type CredentialRow = NonNullable<Awaited<ReturnType<typeof loadCredential>>>;

/** The refresh itself, with the lease held: network first, then one short write. */
async function refreshHeld(
  db: Database,
  keyring: Keyring,
  row: CredentialRow,
  secret: CredentialSecret,
  timeoutMs: number,
): Promise<string> {
  const credentialId = row.id;
  const oauth = secret.oauth as NonNullable<CredentialSecret["oauth"]>;
  const context = credentialSecretContext(row);
  // Writes only over the tokens this refresh started from (an optimistic version check).
  const write = (set: Updateable<CredentialsTable>) =>
    db
      .updateTable("credentials")
      .set({ ...set, refresh_lease_until: null })
      .where("id", "=", credentialId)
      .where("sealed_secret", "=", row.sealed_secret)
      .executeTakeFirst()
      .then((r) => Number(r.numUpdatedRows) > 0);
  const fail = async (reason: string, passing: boolean) => {
    state().tokens.delete(credentialId);
    if (passing) {
      // The tokens may still be good: the credential stays usable and says what happened.
      await write({ status_reason: `${reason} (${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC)` });
      state().failures.set(credentialId, { until: Date.now() + RETRY_AFTER_MS, message: reason });
    } else {
      await write({ status: "needs_reauth", status_reason: reason, updated_at: new Date() });
      getReplicaBus().announce({ kind: "credentials-changed", itemId: row.catalog_item_id });
    }
    await recordEvent(db, {
      action: "credential.refresh",
      outcome: "error",
      credential_id: credentialId,
      catalog_item_id: row.catalog_item_id,
      error: reason,
    });
    return passing ? new RefreshFailedError(reason) : new NeedsReauthError(credentialId, reason);
  };
  if (!oauth.refreshToken || !oauth.authorizationServer || !oauth.clientId)
    throw await fail("The access token expired and there is no refresh token.", false);
  let tokens: Awaited<ReturnType<typeof refreshAuthorization>>;
  try {
    const policy = await egressPolicyFor(row.url);
    tokens = await refreshAuthorization(oauth.authorizationServer, {
      metadata: oauth.metadata as AuthorizationServerMetadata | undefined,
      clientInformation: clientForRefresh(keyring, { ...row, id: row.catalog_item_id }, oauth.clientId),
      refreshToken: oauth.refreshToken,
      resource: oauth.resource ? new URL(oauth.resource) : undefined,
      fetchFn: outboundFetch({ policy, timeoutMs }),
    });
  } catch (err) {
    const message = (err as Error).message;
    getLogger().warn({ credentialId, err: message }, "OAuth refresh failed");
    throw await fail(`Refreshing the access token failed: ${message}`, err instanceof OutboundError);
  }
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
  const stored = await write({
    sealed_secret: sealJson(keyring, next, context),
    status: "active",
    status_reason: null,
  });
  state().failures.delete(credentialId);
  // Another replica stored newer tokens meanwhile (its lease lapsed on us): this token answers
  // this call, and later calls read the stored ones.
  if (!stored) return tokens.access_token;
  return remember(credentialId, tokens.access_token, next.oauth?.expiresAt);
}

function remember(credentialId: string, token: string, expiresAt: number | undefined): string {
  state().tokens.set(credentialId, { token, expiresAt: expiresAt ?? Number.POSITIVE_INFINITY });
  return token;
}
