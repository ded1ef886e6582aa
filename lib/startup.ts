import { getDatabase, getDb } from "@/db";
import { migrateToLatest } from "@/db/migrate";
import { checkReadiness, type Readiness } from "@/db/readiness";
import { getAuthSecret, getKeyring } from "@/lib/app-secrets";
import { startAuditRetention } from "@/lib/audit/audit-retention";
import { pruneExpired } from "@/lib/oauth-server/storage-adapter";
import { processGlobal } from "@/lib/process-global";
import { KeyringError } from "@/lib/crypto";
import { ConfigError, getEnv } from "@/lib/env";
import { listenForChanges } from "@/lib/gateway/listen-for-changes";
import { getLogger, setLogLevel } from "@/lib/log";
import { getOrchestrator } from "@/lib/orchestrator";
import { seedCatalog } from "@/lib/registry/seed-catalog";
import { needsSetup, setupAdmin } from "@/lib/users/setup-admin";

/**
 * Brings the database up to date and creates the admin from the environment when asked.
 * Runs at start; when the database is unreachable it keeps retrying with backoff, and
 * /api/ready reports why the app is not ready meanwhile.
 */
const KEY = Symbol.for("mcp-orchestrator.startup");
type StartupGlobal = typeof globalThis & {
  [KEY]?: { prepared?: Promise<void>; retryTimer?: NodeJS.Timeout; attempts: number };
};

function state() {
  const g = globalThis as StartupGlobal;
  g[KEY] ??= { attempts: 0 };
  return g[KEY];
}

async function prepareDatabase(): Promise<void> {
  const { db, kind } = getDatabase();
  const applied = await migrateToLatest(db);
  const log = getLogger();
  log.info({ database: kind, applied }, applied.length ? "migrations applied" : "database schema is up to date");
  const env = getEnv();
  if (env.ARCHESTRA_ADMIN_EMAIL && env.ARCHESTRA_ADMIN_PASSWORD && (await needsSetup(db))) {
    await setupAdmin(db, { email: env.ARCHESTRA_ADMIN_EMAIL, password: env.ARCHESTRA_ADMIN_PASSWORD }, "environment");
    log.info({ email: env.ARCHESTRA_ADMIN_EMAIL }, "created the admin from ARCHESTRA_ADMIN_EMAIL");
  }
  if (env.ARCHESTRA_SEED_CATALOG) {
    const seeded = await seedCatalog(db, getKeyring());
    if (seeded) log.info({ entries: seeded }, "seeded the registry with example servers");
  }
}

async function startOrchestrator(): Promise<void> {
  try {
    (await getOrchestrator()).start();
  } catch (err) {
    getLogger().error({ err: (err as Error).message }, "the orchestrator could not start");
  }
}

/** Audit events past ARCHESTRA_AUDIT_RETENTION_DAYS are pruned on a timer, off the request path. */
function startRetention(): void {
  const env = getEnv();
  startAuditRetention({
    db: getDb,
    retentionDays: env.ARCHESTRA_AUDIT_RETENTION_DAYS,
    embedded: env.embedded,
    log: getLogger().child({ component: "audit-retention" }),
  });
}

/**
 * The authorization server's expired records (codes, tokens, sessions, unused registrations) are
 * deleted hourly on each replica, off the request path (a lookup ignores them anyway).
 */
function startOAuthPruning(): void {
  processGlobal("oauth-pruning", () =>
    setInterval(
      () =>
        void pruneExpired(getDb()).catch((err: unknown) =>
          getLogger().warn({ err: (err as Error).message }, "pruning expired authorization records failed"),
        ),
      3_600_000,
    ).unref(),
  );
}

/** Idempotent; concurrent callers share one attempt, and a failed attempt schedules a retry. */
export function ensureDatabaseReady(): Promise<void> {
  const s = state();
  s.prepared ??= prepareDatabase().then(
    () => {
      s.attempts = 0;
      void startOrchestrator();
      startRetention();
      startOAuthPruning();
    },
    (err: unknown) => {
      s.prepared = undefined;
      s.attempts += 1;
      const delay = Math.min(1000 * 2 ** (s.attempts - 1), 30_000);
      getLogger().error({ err: (err as Error).message, retryInMs: delay }, "database not ready");
      clearTimeout(s.retryTimer);
      s.retryTimer = setTimeout(() => void ensureDatabaseReady().catch(() => {}), delay);
      s.retryTimer.unref();
      throw err;
    },
  );
  return s.prepared;
}

/** Readiness of this process's database; pending migrations are (re)tried in the background. */
export async function readiness(): Promise<Readiness> {
  const result = await checkReadiness(getDatabase().db);
  if (!result.ready && result.pending) void ensureDatabaseReady().catch(() => {});
  return result;
}

/** Called once from instrumentation.ts when the server process starts. */
export async function startServer(): Promise<void> {
  const env = getEnv();
  setLogLevel(env.ARCHESTRA_LOG_LEVEL);
  getKeyring();
  getAuthSecret();
  // Before the first request, so the caches hear every change from their first entry on.
  listenForChanges();
  getLogger().info(
    { database: env.embedded ? "embedded (PGlite)" : "PostgreSQL", dataDir: env.dataDir },
    "starting MCP Orchestrator",
  );
  await ensureDatabaseReady().catch(() => {});
}

/** For instrumentation.ts: a configuration a person must fix stops the process with the reason. */
export async function startServerOrExit(): Promise<void> {
  try {
    await startServer();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof KeyringError) {
      console.error(`\n${err.message}\n\nSee the Configuration section of README.md.\n`);
      process.exit(1);
    }
    throw err;
  }
}
