import ipaddr from "ipaddr.js";

/**
 * At most `limit` events per key in each window (a fixed window per key), in this process: with
 * several replicas each allows its own share. For what anyone may ask without signing in, such
 * as registering an OAuth client. The number of keys held is bounded: past `maxKeys` the oldest
 * windows are forgotten first.
 */
export class WindowLimit {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  /** Counts one event for the key; false when the key is over its limit (the event is refused). */
  take(key: string): boolean {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.start >= this.windowMs) {
      this.windows.delete(key);
      window = { start: now, count: 0 };
      this.windows.set(key, window);
      for (const oldest of this.windows.keys()) {
        if (this.windows.size <= this.maxKeys) break;
        this.windows.delete(oldest);
      }
    }
    if (window.count >= this.limit) return false;
    window.count += 1;
    return true;
  }
}

/**
 * The key a client address is limited under: an IPv4 address itself, an IPv6 address by its /64
 * (one host usually holds a whole /64, and could rotate through it).
 */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address);
  if (ip.kind() === "ipv4") return ip.toString();
  return `${(ip as ipaddr.IPv6).parts
    .slice(0, 4)
    .map((part) => part.toString(16))
    .join(":")}::/64`;
}
