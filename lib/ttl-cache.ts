/**
 * A small in-process cache whose entries expire after a fixed time. Kept short (about a
 * second) where other replicas may change the data, so a change made elsewhere is seen soon.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    // Monotonic: entries live a duration, whatever the wall clock does.
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: K, value: V): V {
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, { value, expires: this.now() + this.ttlMs });
    return value;
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /**
   * The cached value, or the loader's (cached for next time). A hit is answered at once, without
   * a promise: hot paths await only a miss.
   */
  read(key: K, load: () => Promise<V>): V | Promise<V> {
    const hit = this.get(key);
    return hit !== undefined ? hit : load().then((value) => this.set(key, value));
  }
}

/**
 * One cache per name per process, shared by every server entry (see the Next.js notes): a getter
 * that finds it on first use and keeps it, since hot paths ask for it on every request.
 */
export function sharedCache<K, V>(name: string, ttlMs: number, maxEntries?: number): () => TtlCache<K, V> {
  let cache: TtlCache<K, V> | undefined;
  return () => {
    if (cache) return cache;
    const key = Symbol.for(`mcp-orchestrator.cache.${name}`);
    const g = globalThis as unknown as Record<symbol, TtlCache<K, V> | undefined>;
    g[key] ??= new TtlCache<K, V>(ttlMs, maxEntries);
    cache = g[key];
    return cache;
  };
}
