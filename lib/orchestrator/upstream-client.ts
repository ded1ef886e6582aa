import type { Client } from "@modelcontextprotocol/client";
import type { Database } from "@/db";
import type { CredentialSecret } from "@/lib/credentials/credential-secret";
import { credentialSecretContext, type Keyring, openJson } from "@/lib/crypto";
import { AppError } from "@/lib/errors";
import { HttpClientTransport } from "@/lib/mcp/http-client-transport";
import { relayingClient } from "@/lib/mcp/relay/relaying-client";
import { connectUpstream } from "@/lib/mcp/upstream-era";
import { oauthAccessToken } from "@/lib/oauth/access-token";
import { sharedCache } from "@/lib/ttl-cache";
import type { Orchestrator } from "./orchestrator";

/*
 * The pool of upstream clients: every part of the app that talks to a server with a credential
 * shares it (the gateway's calls, the registry's discovery of a remote server's tools).
 */

/** What a warm call would otherwise read from the database is kept a second: a change is seen within it. */
const CHECKED_TTL_MS = 1000;

const KEY = Symbol.for("mcp-orchestrator.remote-clients");
type RemoteGlobal = typeof globalThis & { [KEY]?: Map<string, { version: number; client: Promise<Client> }> };

/** A local server's instance id by catalog item and credential (`item/credential`). */
const instanceIdCache = sharedCache<string, string>("upstream.instances", CHECKED_TTL_MS);
/** Remote credentials whose pooled connection was checked against the database in the last second. */
const remoteChecked = sharedCache<string, true>("upstream.remote-checked", CHECKED_TTL_MS);

function remoteClients() {
  const g = globalThis as RemoteGlobal;
  g[KEY] ??= new Map();
  return g[KEY];
}

/**
 * A connected client for one server and credential. Local servers: the credential's own
 * instance, started on demand. Remote servers: a pooled connection that sends the credential's
 * key or token, never the caller's gateway token. Either speaks the server's best era
 * (`upstreamEra(client)` says which).
 */
export function upstreamClient(
  db: Database,
  orchestrator: Orchestrator,
  keyring: Keyring,
  item: { id: string; kind: "local" | "remote" },
  credentialId: string,
  callerEra: "legacy" | "modern" = "modern",
): Promise<Client> {
  // Warm calls get the pooled connection's own promise; nothing else is awaited.
  if (item.kind === "local") {
    const id = instanceIdCache().get(`${item.id}/${credentialId}`);
    return id ? orchestrator.client(id) : localClient(db, orchestrator, item.id, credentialId);
  }
  const era = callerEra === "legacy" && !modernOnly().get(credentialId) ? "legacy" : "modern";
  const fresh = remoteChecked().get(credentialId);
  const pooled = remoteClients().get(poolKey(credentialId, era));
  if (fresh && pooled) return pooled.client;
  return remoteClient(db, keyring, credentialId, era);
}

/**
 * A remote server that speaks both eras is reached in the caller's: a 2025 caller's calls take
 * a 2025 connection of their own, so nothing needs bridging (servers may offer a different
 * surface to each era). A server that speaks one era is reached in it, and the gateway bridges:
 * one that refuses a 2025 connection is known as 2026-07-28 only, for ten minutes.
 */
const poolKey = (credentialId: string, era: "legacy" | "modern") =>
  era === "legacy" ? `${credentialId}#2025` : credentialId;
const modernOnly = sharedCache<string, true>("upstream.remote-modern-only", 10 * 60_000);

/** The credential's instance, found (or made) in the database, then connected. */
async function localClient(
  db: Database,
  orchestrator: Orchestrator,
  itemId: string,
  credentialId: string,
): Promise<Client> {
  const find = () =>
    db
      .selectFrom("runtime_instances")
      .select("id")
      .where("catalog_item_id", "=", itemId)
      .where("credential_id", "=", credentialId)
      .executeTakeFirst();
  let instance = await find();
  if (!instance) {
    await orchestrator.reconciler.trigger();
    instance = await find();
  }
  if (!instance) throw new AppError("unavailable", "The server's instance could not be created.");
  return orchestrator.client(instanceIdCache().set(`${itemId}/${credentialId}`, instance.id));
}

/** A pooled connection to a remote server, checked against the credential's current version. */
async function remoteClient(
  db: Database,
  keyring: Keyring,
  credentialId: string,
  callerEra: "legacy" | "modern" = "modern",
): Promise<Client> {
  if (callerEra === "legacy") {
    try {
      return await pooledRemote(db, keyring, credentialId, "legacy");
    } catch {
      modernOnly().set(credentialId, true);
    }
  }
  return pooledRemote(db, keyring, credentialId, "modern");
}

async function pooledRemote(
  db: Database,
  keyring: Keyring,
  credentialId: string,
  callerEra: "legacy" | "modern",
): Promise<Client> {
  const key = poolKey(credentialId, callerEra);
  const row = await db
    .selectFrom("credentials")
    .innerJoin("catalog_items", "catalog_items.id", "credentials.catalog_item_id")
    .select([
      "credentials.id",
      "credentials.owner_user_id",
      "credentials.owner_team_id",
      "credentials.sealed_secret",
      "credentials.updated_at",
      "credentials.catalog_item_id",
      "catalog_items.url",
    ])
    .where("credentials.id", "=", credentialId)
    .executeTakeFirstOrThrow();
  const version = row.updated_at.getTime();
  const pool = remoteClients();
  const cached = pool.get(key);
  remoteChecked().set(credentialId, true);
  if (cached && cached.version === version) return cached.client;
  if (cached) void cached.client.then((c) => c.close()).catch(() => {});
  const secret = openJson<CredentialSecret>(keyring, row.sealed_secret, credentialSecretContext(row));
  // OAuth: every request carries the current access token, refreshed before expiry and on a 401.
  const bearer = secret.oauth ? (refused?: string) => oauthAccessToken(db, keyring, credentialId, refused) : undefined;
  const client = (async () => {
    const c = relayingClient({ name: "mcp-orchestrator", version: "0.1.0" });
    c.onclose = () => {
      if (pool.get(key)?.client === client) pool.delete(key);
    };
    const url = new URL(row.url ?? "");
    // What is learned holds for this entry and credential (servers may answer each differently).
    const where = { key: `remote:${row.catalog_item_id}/${credentialId}`, incarnation: url.href };
    const transport = new HttpClientTransport(url, { headers: secret.headers, bearer });
    if (callerEra === "legacy") {
      c.setVersionNegotiation({ mode: "legacy" });
      await c.connect(transport);
    } else await connectUpstream(c, transport, where);
    return c;
  })();
  pool.set(key, { version, client });
  client.catch(() => pool.delete(key));
  return client;
}
