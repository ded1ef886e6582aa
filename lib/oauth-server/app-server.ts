import type Provider from "oidc-provider";
import { getDb } from "@/db";
import { findUserById } from "@/db/queries/users";
import { getAuthSecret, getKeyring } from "@/lib/app-secrets";
import { getEnv } from "@/lib/env";
import { gatewaySlugOf } from "@/lib/gateway/gateway-url";
import { parseEgressAllow } from "@/lib/http/egress-policy";
import { addressKey, WindowLimit } from "@/lib/http/rate-limit";
import { processGlobal } from "@/lib/process-global";
import { authorizationServer } from "./provider";

/** Metadata documents fetched per client address and minute (each names a URL we fetch). */
const METADATA_FETCHES_PER_MINUTE = 30;
/** Origins with an authorization server of their own (the issuer is the origin people use). */
const MAX_ORIGINS = 16;

const fetches = () =>
  processGlobal("oauth-metadata-fetches", () => new WindowLimit(METADATA_FETCHES_PER_MINUTE, 60_000));

/**
 * The app's authorization server for the origin a request came to (ARCHESTRA_PUBLIC_URL's when
 * set, which is one). Its records are in the database, so instances per origin, per bundle and
 * per replica all serve the same flows.
 */
export function appAuthorizationServer(origin: string): Provider {
  const servers = processGlobal("oauth-servers", () => new Map<string, Provider>());
  let server = servers.get(origin);
  if (!server) {
    const db = getDb();
    server = authorizationServer({
      db,
      keyring: getKeyring(),
      authSecret: getAuthSecret(),
      origin,
      // Spelled as a gateway URL of this origin; whether it exists, and whether the person may use
      // it, is the consent page's to say, after sign-in (so neither leaks to anyone who asks).
      isGateway: async (resource) => gatewaySlugOf(origin, resource) !== null,
      findPerson: async (id) => {
        const person = await findUserById(db, id);
        return person && !person.disabled_at ? { id: person.id, email: person.email, name: person.name } : undefined;
      },
      clientMetadataEgress: parseEgressAllow(getEnv().ARCHESTRA_OAUTH_CLIENT_METADATA_ALLOW),
      allowMetadataFetch: (ip) => fetches().take(addressKey(ip)),
    });
    // Without ARCHESTRA_PUBLIC_URL the origin is what requests say: keep a few, newest last.
    if (servers.size >= MAX_ORIGINS) servers.delete(servers.keys().next().value as string);
    servers.set(origin, server);
  }
  return server;
}
