import type { Database } from "@/db";
import { revokeConnectedApps } from "@/lib/oauth-server/connected-apps";
import { getReplicaBus } from "@/lib/replica-bus";

/**
 * Session versions: every session cookie carries its person's version at sign-in, and is only
 * good while the version is unchanged. Sign-out moves it on here; a password, role or disabled
 * change moves it on in the database itself (migration 0007). Checked on every request that
 * reads the session, through a cache of a few seconds that every replica clears for a person
 * the moment one of them signs that person out (the replica bus).
 */
export const SESSION_VERSION_CACHE_MS = 5_000;

interface Cached {
  version: number | null;
  at: number;
}

export class SessionVersions {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The person's current version (null when the account is gone or disabled). */
  async current(db: Database, userId: string): Promise<number | null> {
    const hit = this.cache.get(userId);
    if (hit && this.now() - hit.at < SESSION_VERSION_CACHE_MS) return hit.version;
    const version = await readSessionVersion(db, userId);
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(userId, { version, at: this.now() });
    return version;
  }

  forget(userId: string): void {
    this.cache.delete(userId);
  }
}

/** Straight from the database, no cache: for sign-in, and for checks that read the row anyway. */
export async function readSessionVersion(db: Database, userId: string): Promise<number | null> {
  const row = await db
    .selectFrom("users")
    .select(["session_version", "disabled_at"])
    .where("id", "=", userId)
    .executeTakeFirst();
  return row && !row.disabled_at ? row.session_version : null;
}

/**
 * Ends every session the person has (all browsers), here and at every replica, and disconnects
 * every app they connected (see revokeConnectedApps).
 */
export async function revokeSessions(db: Database, userId: string): Promise<void> {
  await endSessions(db, userId);
  await revokeConnectedApps(db, { userId });
}

/** Ends every browser session the person has, here and at every replica; their connected apps stay. */
export async function endSessions(db: Database, userId: string): Promise<void> {
  await db
    .updateTable("users")
    .set((eb) => ({ session_version: eb("session_version", "+", 1) }))
    .where("id", "=", userId)
    .execute();
  getSessionVersions().forget(userId);
  await getReplicaBus().publish({ kind: "sessions-revoked", userId });
}

/** Whether a session cookie's version is still the person's. A cookie without one predates versions. */
export function sessionVersionHolds(tokenVersion: unknown, current: number | null): boolean {
  return current !== null && typeof tokenVersion === "number" && tokenVersion === current;
}

const KEY = Symbol.for("mcp-orchestrator.session-versions");
type VersionsGlobal = typeof globalThis & { [KEY]?: SessionVersions };

export function getSessionVersions(): SessionVersions {
  const g = globalThis as VersionsGlobal;
  if (!g[KEY]) {
    const versions = new SessionVersions();
    g[KEY] = versions;
    getReplicaBus().subscribe((m) => {
      if (m.kind === "sessions-revoked") versions.forget(m.userId);
    });
  }
  return g[KEY];
}
