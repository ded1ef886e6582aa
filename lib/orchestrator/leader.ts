import pg from "pg";

/** Decides which app replica runs the reconcile loop. */
export interface Leader {
  isLeader(): Promise<boolean>;
  close(): Promise<void>;
}

/** The embedded database serves one process: that process leads. */
export const soleLeader: Leader = { isLeader: async () => true, close: async () => {} };

// An arbitrary constant shared by every replica.
export const RECONCILER_LOCK_KEY = 7_313_002;

/**
 * Leadership through a PostgreSQL session-level advisory lock held on a dedicated connection:
 * exactly one replica holds it, and when that replica dies its session ends, the lock is
 * released, and the next replica to ask takes over.
 */
export class AdvisoryLockLeader implements Leader {
  private client: pg.Client | null = null;
  private leading = false;
  private connecting: Promise<void> | null = null;

  constructor(
    private readonly url: string,
    private readonly key = RECONCILER_LOCK_KEY,
  ) {}

  async isLeader(): Promise<boolean> {
    if (this.leading && this.client) return true;
    try {
      await this.connect();
      const result = await this.client?.query<{ locked: boolean }>("select pg_try_advisory_lock($1) as locked", [
        this.key,
      ]);
      this.leading = result?.rows[0]?.locked === true;
    } catch {
      this.drop();
    }
    return this.leading;
  }

  private async connect(): Promise<void> {
    if (this.client) return;
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.url });
      client.on("error", () => this.drop());
      client.on("end", () => this.drop());
      await client.connect();
      this.client = client;
    })().finally(() => {
      this.connecting = null;
    });
    await this.connecting;
  }

  private drop(): void {
    const client = this.client;
    this.client = null;
    this.leading = false;
    client?.end().catch(() => {});
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.leading = false;
    await client?.end().catch(() => {});
  }
}
