import type { AccessToken } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { sharedCache } from "@/lib/ttl-cache";

/**
 * Recently checked tokens by prefix, for one second: a warm gateway call does not read the
 * token from the database, and a revoked token stops working within a second on every replica
 * (at once on the replica that revoked it).
 */
export interface CachedToken {
  row: AccessToken;
  user: Actor | null;
  /**
   * The token itself once it has matched the stored hash: later requests within the entry's
   * second compare with it (in constant time) instead of hashing again.
   */
  matched?: string;
}

export const TOKEN_CACHE_TTL_MS = 1000;
const cache = sharedCache<string, CachedToken>("tokens", TOKEN_CACHE_TTL_MS);

export const cachedToken = (prefix: string) => cache().get(prefix);
export const rememberToken = (prefix: string, entry: CachedToken) => cache().set(prefix, entry);
export const forgetToken = (prefix: string) => cache().delete(prefix);
