import type { Logger } from "pino";
import type { Database } from "@/db";
import {
  createMissingInstanceRows,
  type InstanceRow,
  type InstanceStatusUpdate,
  loadInstancesForReconcile,
  recordInstanceStatus,
  USABLE_CREDENTIAL_STATUSES,
} from "@/db/queries/instances";
import type { EnvVarSpec } from "@/db/schema";
import type { CredentialSecret } from "@/lib/credentials/credential-secret";
import { credentialSecretContext, type Keyring, openJson } from "@/lib/crypto";
import { buildInstanceSpec } from "./build-spec";
import type { Leader } from "./leader";
import { planReconcile } from "./plan";
import type { InstanceSpec, ObservedInstance, Runtime } from "./types";

export interface ReconcilerOptions {
  db: Database;
  runtime: Runtime;
  keyring: Keyring;
  leader: Leader;
  log: Logger;
  intervalMs: number;
  /** Runs after each pass that the leader made (tool discovery). */
  afterPass?: () => Promise<void>;
}

/** Why an instance is not wanted, or null when it should run. */
function notWantedReason(row: InstanceRow): string | null {
  if (row.kind !== "local") return "the server is no longer a local server";
  if (!USABLE_CREDENTIAL_STATUSES.includes(row.credential_status)) {
    return row.credential_status === "revoked"
      ? "the credential was revoked"
      : `the credential needs attention (${row.credential_status.replace("_", " ")})`;
  }
  if (row.desired_state === "stopped") return "stopped by a person";
  return null;
}

/**
 * Makes what runs match what the database wants: creates missing instances, replaces changed
 * ones, removes orphans, and records each instance's status. Runs on an interval and on
 * demand; only the leader replica acts.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private specs = new Map<string, InstanceSpec>();
  /** Set while the runtime cannot be reached, with the reason. */
  unavailable: string | null = null;

  constructor(private readonly options: ReconcilerOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.trigger().catch(() => {}), this.options.intervalMs);
    this.timer.unref();
    void this.trigger().catch(() => {});
  }

  /** Runs a pass now; a call during a pass waits for one more pass after it. */
  trigger(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          if (await this.reconcileOnce()) void this.runAfterPass();
        } while (this.again);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private afterPassRunning = false;

  /** Off the pass itself and never re-entered, since it may trigger passes of its own. */
  private async runAfterPass(): Promise<void> {
    if (this.afterPassRunning || !this.options.afterPass) return;
    this.afterPassRunning = true;
    try {
      await this.options.afterPass();
    } catch {
      // reported by the hook itself
    } finally {
      this.afterPassRunning = false;
    }
  }

  /** The spec of a wanted instance as of the last pass. */
  specFor(instanceId: string): InstanceSpec | undefined {
    return this.specs.get(instanceId);
  }

  /** One pass; false when this replica is not the leader (it then only refreshes its specs). */
  private async reconcileOnce(): Promise<boolean> {
    const { db, runtime, keyring, leader, log } = this.options;
    const leading = await leader.isLeader();
    if (leading) await createMissingInstanceRows(db, runtime.kind);
    const rows = await loadInstancesForReconcile(db);

    const desired: InstanceSpec[] = [];
    const problems = new Map<string, string>();
    const specs = new Map<string, InstanceSpec>();
    for (const row of rows) {
      if (notWantedReason(row)) continue;
      try {
        const secret = openJson<CredentialSecret>(
          keyring,
          row.sealed_secret,
          credentialSecretContext({
            id: row.credential_id,
            owner_user_id: row.owner_user_id,
            owner_team_id: row.owner_team_id,
          }),
        );
        const spec = buildInstanceSpec({
          instanceId: row.id,
          item: { ...row, id: row.item_id, env_schema: row.env_schema as EnvVarSpec[] },
          credentialId: row.credential_id,
          secret,
        });
        desired.push(spec);
        specs.set(row.id, spec);
      } catch {
        problems.set(row.id, "the credential cannot be decrypted with the configured keys (ARCHESTRA_ENCRYPTION_KEYS)");
      }
    }
    this.specs = specs;
    // Every replica knows the specs (to reach instances); only the leader changes what runs.
    if (!leading) return false;

    let actual: ObservedInstance[];
    try {
      actual = await runtime.list();
      const plan = planReconcile(desired, actual);
      for (const name of plan.remove) {
        await runtime
          .remove(name)
          .catch((err) => log.warn({ name, err: (err as Error).message }, "could not remove instance"));
      }
      for (const spec of plan.ensure) {
        await runtime.ensure(spec).catch((err: Error) => {
          problems.set(spec.instanceId, err.message);
          log.warn({ name: spec.name, err: err.message }, "could not start instance");
        });
      }
      if (plan.ensure.length || plan.remove.length) actual = await runtime.list();
      this.unavailable = null;
    } catch (err) {
      this.unavailable = `the orchestrator cannot reach its runtime: ${(err as Error).message}`;
      log.error({ err: (err as Error).message }, "reconcile failed");
      for (const row of rows) if (!notWantedReason(row)) problems.set(row.id, this.unavailable);
      actual = [];
    }

    const observed = new Map(actual.map((a) => [a.instanceId, a]));
    for (const row of rows) {
      const update = statusFor(row, observed.get(row.id), problems.get(row.id));
      if (
        update.status !== row.status ||
        update.status_reason !== row.status_reason ||
        update.restart_count !== row.restart_count ||
        update.last_exit_code !== row.last_exit_code
      ) {
        await recordInstanceStatus(db, row.id, update);
      }
    }
    return true;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** Pure: the status to record for an instance. */
export function statusFor(
  row: InstanceRow,
  observed: ObservedInstance | undefined,
  problem: string | undefined,
): InstanceStatusUpdate {
  const keep = { last_exit_code: row.last_exit_code, restart_count: row.restart_count, started_at: row.started_at };
  const notWanted = notWantedReason(row);
  if (notWanted) return { ...keep, status: "stopped", status_reason: notWanted, started_at: null };
  if (problem && !observed) return { ...keep, status: "failed", status_reason: problem };
  if (!observed) return { ...keep, status: "pending", status_reason: null };
  return {
    status: observed.status,
    status_reason: observed.reason,
    last_exit_code: observed.lastExitCode,
    restart_count: observed.restartCount,
    started_at: observed.startedAt,
  };
}
