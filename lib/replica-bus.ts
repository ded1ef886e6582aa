import { randomUUID } from "node:crypto";
import pg from "pg";
import { getEnv } from "@/lib/env";
import { getLogger } from "@/lib/log";

/**
 * Small messages every replica hears, such as "cancel this caller's call" or "this gateway
 * changed": PostgreSQL
 * LISTEN/NOTIFY when the app runs on PostgreSQL (several replicas), in-process otherwise.
 */
export type BusMessage =
  | { kind: "cancel"; principal: string; requestId: string | number; reason?: string }
  /** A gateway's settings changed (or, without an id, possibly every gateway's). */
  | { kind: "gateways-changed"; gatewayId?: string }
  /** A catalog server's tools were (re)discovered. */
  | { kind: "catalog-changed"; itemId: string }
  /** A resource a gateway session subscribed to changed (`uri` as the session knows it). */
  | { kind: "resource-updated"; session: string; uri: string }
  /** A session unsubscribed (at a replica that may not hold the subscription), or ended. */
  | { kind: "unsubscribe"; session: string; uri: string }
  | { kind: "session-ended"; session: string }
  /** Team membership changed: who a team token's members are, which teams a person is in. */
  | { kind: "callers-changed" }
  /** A server's credentials changed (installed, revoked, team use switched). */
  | { kind: "credentials-changed"; itemId: string }
  /** A person's session version moved on: cached versions of it are stale. */
  | { kind: "sessions-revoked"; userId: string };

type Handler = (message: BusMessage) => void;

const CHANNEL = "mcp_orchestrator_bus";

export class ReplicaBus {
  private readonly handlers = new Set<Handler>();
  private listener?: Promise<pg.Client | null>;
  /** Marks this replica's announcements, which it has heard already when they come back. */
  private readonly id = randomUUID();
  /** The connection failed and has not come back: said once, not at every retry. */
  private down = false;
  private closed = false;

  constructor(private readonly url: string | undefined) {}

  subscribe(handler: Handler): void {
    this.handlers.add(handler);
    this.listen();
  }

  async publish(message: BusMessage): Promise<void> {
    if (!this.url) {
      this.dispatch(message);
      return;
    }
    await this.notify(message);
  }

  /**
   * A change that makes what replicas hold stale (credentials, membership, a gateway's
   * settings): this replica's handlers hear it before the call returns, the other replicas as
   * soon as it reaches them. Never fails: a replica that misses it sees the change when its
   * entries expire.
   */
  announce(message: BusMessage): void {
    this.dispatch(message);
    if (!this.url) return;
    this.notify({ ...message, announcedBy: this.id }).catch((err: Error) =>
      getLogger().warn({ err: err.message, kind: message.kind }, "replica bus: a change was not announced"),
    );
  }

  /** Stops listening (tests: a second bus stands for another replica). */
  async close(): Promise<void> {
    this.closed = true;
    const client = await this.listener;
    this.listener = Promise.resolve(null);
    await client?.end().catch(() => {});
  }

  private async notify(message: BusMessage & { announcedBy?: string }): Promise<void> {
    const client = await this.listen();
    if (!client) throw new Error("the replica bus is not connected");
    await client.query("select pg_notify($1, $2)", [CHANNEL, JSON.stringify(message)]);
  }

  /** Every handler hears it; one that throws is logged and keeps no other from hearing it. */
  private dispatch(message: BusMessage): void {
    for (const handler of this.handlers) {
      try {
        handler(message);
      } catch (err) {
        getLogger().error({ err: (err as Error).message, kind: message.kind }, "replica bus: a handler failed");
      }
    }
  }

  /** One connection per replica that listens, and reconnects when it drops. */
  private listen(): Promise<pg.Client | null> {
    if (!this.url || this.closed) return Promise.resolve(null);
    this.listener ??= (async () => {
      const client = new pg.Client({ connectionString: this.url });
      let lost = false;
      const reconnect = (err?: Error) => {
        if (lost) return;
        lost = true;
        void client.end().catch(() => {});
        if (!this.down) getLogger().warn({ err: err?.message }, "replica bus connection lost; reconnecting");
        this.down = true;
        this.listener = undefined;
        setTimeout(() => this.listen(), 1000).unref();
      };
      client.on("error", reconnect);
      client.on("notification", (n) => {
        let message: BusMessage & { announcedBy?: string };
        try {
          message = JSON.parse(n.payload ?? "");
        } catch {
          return; // Not ours.
        }
        if (message.announcedBy === this.id) return;
        this.dispatch(message);
      });
      try {
        await client.connect();
        await client.query(`listen ${CHANNEL}`);
        if (this.down) getLogger().info("replica bus connected again");
        this.down = false;
        return client;
      } catch (err) {
        reconnect(err as Error);
        return null;
      }
    })();
    return this.listener;
  }
}

const KEY = Symbol.for("mcp-orchestrator.replica-bus");
type BusGlobal = typeof globalThis & { [KEY]?: ReplicaBus };

export function getReplicaBus(): ReplicaBus {
  const g = globalThis as BusGlobal;
  g[KEY] ??= new ReplicaBus(getEnv().DATABASE_URL);
  return g[KEY];
}
