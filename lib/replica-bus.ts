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

class ReplicaBus {
  private readonly handlers = new Set<Handler>();
  private listener?: Promise<pg.Client | null>;

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
    const client = await this.listen();
    if (!client) throw new Error("the replica bus is not connected");
    await client.query("select pg_notify($1, $2)", [CHANNEL, JSON.stringify(message)]);
  }

  private dispatch(message: BusMessage): void {
    for (const handler of this.handlers) handler(message);
  }

  /** One connection per replica that listens, and reconnects when it drops. */
  private listen(): Promise<pg.Client | null> {
    if (!this.url) return Promise.resolve(null);
    this.listener ??= (async () => {
      const client = new pg.Client({ connectionString: this.url });
      let lost = false;
      const reconnect = (err?: Error) => {
        if (lost) return;
        lost = true;
        void client.end().catch(() => {});
        getLogger().warn({ err: err?.message }, "replica bus connection lost; reconnecting");
        this.listener = undefined;
        setTimeout(() => this.listen(), 1000).unref();
      };
      client.on("error", reconnect);
      client.on("notification", (n) => {
        try {
          this.dispatch(JSON.parse(n.payload ?? "") as BusMessage);
        } catch {
          // Not ours.
        }
      });
      try {
        await client.connect();
        await client.query(`listen ${CHANNEL}`);
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
