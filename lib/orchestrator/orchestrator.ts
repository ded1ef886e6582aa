import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Logger } from "pino";
import type { Database } from "@/db";
import { AppError } from "@/lib/errors";
import { InstanceConnections } from "./connections";
import { discoverMissingTools } from "./discover-tools";
import type { Leader } from "./leader";
import { Reconciler } from "./reconciler";
import type { InstanceSpec, Runtime } from "./types";
import type { Keyring } from "@/lib/crypto";

export interface OrchestratorOptions {
  db: Database;
  runtime: Runtime;
  keyring: Keyring;
  leader: Leader;
  log: Logger;
  reconcileIntervalMs: number;
  /** How long a call waits for a stopped or starting instance before it gives up. */
  startTimeoutMs: number;
}

/**
 * The orchestrator as the rest of the app sees it: which runtime, the reconcile loop, and a
 * shared MCP connection to any instance, started on demand.
 */
export class Orchestrator {
  readonly runtime: Runtime;
  readonly reconciler: Reconciler;
  private readonly connections: InstanceConnections;

  constructor(private readonly options: OrchestratorOptions) {
    this.runtime = options.runtime;
    this.reconciler = new Reconciler({
      db: options.db,
      runtime: options.runtime,
      keyring: options.keyring,
      leader: options.leader,
      log: options.log,
      intervalMs: options.reconcileIntervalMs,
      afterPass: async () => {
        await discoverMissingTools(options.db, (id) => this.client(id)).catch((err: Error) =>
          options.log.warn({ err: err.message }, "tool discovery failed"),
        );
      },
    });
    this.connections = new InstanceConnections(options.runtime);
  }

  start(): void {
    this.reconciler.start();
  }

  /**
   * A connected MCP client for an instance. Starts the instance when it is not running and
   * waits up to the start timeout; then fails with a message that says why.
   */
  async client(instanceId: string): Promise<Client> {
    if (this.reconciler.unavailable) throw new AppError("unavailable", this.reconciler.unavailable);
    let spec = this.reconciler.specFor(instanceId);
    const deadline = Date.now() + this.options.startTimeoutMs;
    let lastReason = "it has not started yet";
    for (;;) {
      if (!spec || !(await this.isRunning(spec))) await this.reconciler.trigger();
      spec = this.reconciler.specFor(instanceId);
      if (this.reconciler.unavailable) throw new AppError("unavailable", this.reconciler.unavailable);
      if (!spec)
        throw new AppError(
          "not_found",
          "That server instance is not wanted: its credential may be revoked, or it was stopped.",
        );
      const observed = (await this.runtime.list()).find((o) => o.name === spec?.name);
      if (observed?.status === "running") {
        try {
          return await this.connections.client(spec);
        } catch (err) {
          lastReason = (err as Error).message;
        }
      } else if (observed?.status === "failed") {
        throw new AppError("unavailable", `The MCP server failed to start: ${observed.reason ?? "unknown reason"}.`);
      } else if (observed?.reason) {
        lastReason = observed.reason;
      }
      if (Date.now() >= deadline) {
        throw new AppError(
          "unavailable",
          `The MCP server did not become ready within ${Math.round(this.options.startTimeoutMs / 1000)} s (${lastReason}). Its logs are on the Servers page.`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async isRunning(spec: InstanceSpec): Promise<boolean> {
    return (await this.runtime.list()).some(
      (o) => o.name === spec.name && o.status === "running" && o.specHash === spec.specHash,
    );
  }

  async close(): Promise<void> {
    this.reconciler.stop();
    await this.connections.closeAll();
    await this.runtime.close();
    await this.options.leader.close();
  }
}
