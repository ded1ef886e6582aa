import type { Client } from "@modelcontextprotocol/client";
import { HttpClientTransport } from "@/lib/mcp/http-client-transport";
import { relayingClient } from "@/lib/mcp/relay/relaying-client";
import type { Logger } from "pino";
import type { Database } from "@/db";
import { AppError } from "@/lib/errors";
import { InstanceConnections, incarnationOf } from "./connections";
import { discoverMissingTools } from "./discover-tools";
import type { Leader } from "./leader";
import { Reconciler } from "./reconciler";
import { currentCaller } from "./forwarding-caller";
import { replicaSigningKey, signReplicaRequest } from "./replica-signature";
import { claimStream, LEASE_SECONDS, releaseStream } from "./stream-lease";
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
  /**
   * This replica's address and the secret replicas share, when several replicas run: a stdio
   * pod's attach stream is then owned by one replica and the others forward to it.
   */
  replica?: { url: string; secret: string };
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
   * Warm calls (the instance is wanted with this spec and this replica's connection to it is
   * open) take the open connection without listing the runtime's instances again, which on
   * Kubernetes costs two API requests per tool call. The process runtime still says whether the
   * process runs (from memory). On Kubernetes only stdio pods qualify: their attach stream closes
   * when the container stops, so the next call checks again; an HTTP pod's connection outlives a
   * restart, so calls to one keep the checked path.
   */
  client(instanceId: string, options: { local?: boolean } = {}): Promise<Client> {
    const spec = this.reconciler.specFor(instanceId);
    const known = spec && (this.runtime.runsNow ? this.runtime.runsNow(spec) : spec.transport === "stdio");
    if (spec && known && !this.reconciler.unavailable && this.usesOwnStream(spec)) {
      const open = this.connections.current(spec);
      if (open) return open;
    }
    return this.connect(instanceId, options);
  }

  private async connect(instanceId: string, options: { local?: boolean }): Promise<Client> {
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
          "That server instance is not running: it was stopped (start it again on the Servers page), or its credential was revoked.",
        );
      const observed = (await this.runtime.list()).find((o) => o.name === spec?.name);
      if (observed?.status === "running") {
        try {
          const owner = await this.streamOwner(spec);
          if (owner !== null) {
            if (options.local) throw new AppError("conflict", "Another replica owns this server's stream.");
            return await this.forwarded(owner, instanceId);
          }
          return await this.connections.client(spec, incarnationOf(observed));
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

  /** Stream leases this replica holds: instance id -> when the lease was last confirmed. */
  private readonly owned = new Map<string, number>();
  private renewTimer: NodeJS.Timeout | null = null;
  private readonly forwarders = new Map<string, Promise<Client>>();

  /** Whether the instance's stream is held by one replica under a lease: a stdio pod, several replicas. */
  private leased(spec: InstanceSpec): boolean {
    return Boolean(this.options.replica) && spec.transport === "stdio" && this.runtime.kind === "kubernetes";
  }

  /**
   * True when this replica may use the instance's stream without asking (see streamOwner): its
   * lease was confirmed within half its length, so a renewal that hangs cannot outlive it.
   */
  private usesOwnStream(spec: InstanceSpec): boolean {
    if (!this.leased(spec)) return true;
    return Date.now() - (this.owned.get(spec.instanceId) ?? 0) < (LEASE_SECONDS * 1000) / 2;
  }

  /**
   * Null when this replica may use the stream itself (one replica, not a stdio pod, or the lease
   * is ours); otherwise the address of the replica that owns it.
   */
  private async streamOwner(spec: InstanceSpec): Promise<string | null> {
    const replica = this.options.replica;
    if (!replica || !this.leased(spec)) return null;
    const owner = await claimStream(this.options.db, spec.instanceId, replica.url);
    if (owner !== replica.url) return owner;
    this.owned.set(spec.instanceId, Date.now());
    this.renewTimer ??= setInterval(() => void this.renewLeases(), (LEASE_SECONDS * 1000) / 3);
    this.renewTimer.unref();
    return null;
  }

  private async renewLeases(): Promise<void> {
    const me = this.options.replica?.url;
    if (!me) return;
    for (const id of [...this.owned.keys()]) {
      const owner: string | null = await claimStream(this.options.db, id, me).catch(() => null);
      if (owner === me) this.owned.set(id, Date.now());
      else this.owned.delete(id);
    }
  }

  /** A client whose calls go to the replica that owns the instance's stream. */
  private forwarded(owner: string, instanceId: string): Promise<Client> {
    const forwarder = `${owner}|${instanceId}`;
    let client = this.forwarders.get(forwarder);
    if (!client) {
      const me = this.options.replica?.url ?? "";
      const key = replicaSigningKey(this.options.replica?.secret ?? "");
      client = (async () => {
        // Requests the pod's server makes during a forwarded call come back here and on to the caller.
        const c = relayingClient({ name: "mcp-orchestrator-replica", version: "0.1.0" });
        c.onclose = () => this.forwarders.delete(forwarder);
        const url = new URL(`/api/internal/instances/${encodeURIComponent(instanceId)}/mcp`, owner);
        // Each request is signed when it is sent, for the caller whose call sends it.
        const sign = (method: string, body: string | undefined) =>
          signReplicaRequest(key, {
            method,
            to: owner,
            path: url.pathname + url.search,
            body,
            from: me,
            caller: currentCaller(),
          });
        // The other replica's endpoint speaks 2025 (handle-forwarded.ts): no probe.
        await c.connect(new HttpClientTransport(url, { sign }), { prior: { kind: "legacy" } });
        return c;
      })();
      client.catch(() => this.forwarders.delete(forwarder));
      this.forwarders.set(forwarder, client);
    }
    return client;
  }

  private async isRunning(spec: InstanceSpec): Promise<boolean> {
    return (await this.runtime.list()).some(
      (o) => o.name === spec.name && o.status === "running" && o.specHash === spec.specHash,
    );
  }

  async close(): Promise<void> {
    if (this.renewTimer) clearInterval(this.renewTimer);
    const me = this.options.replica?.url;
    if (me)
      await Promise.all([...this.owned.keys()].map((id) => releaseStream(this.options.db, id, me).catch(() => {})));
    this.reconciler.stop();
    await this.connections.closeAll();
    await this.runtime.close();
    await this.options.leader.close();
  }
}
