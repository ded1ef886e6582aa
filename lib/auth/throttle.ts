/**
 * Slows down repeated failed sign-ins. Failures are counted per email and per client address
 * over a sliding window; from the fourth on, each answer waits twice as long as the last
 * (up to MAX_DELAY_MS), and past HARD_LIMIT attempts are refused until the window passes.
 * Counters live in this process: with several replicas each slows its own share.
 */
export const WINDOW_MS = 15 * 60 * 1000;
export const FREE_ATTEMPTS = 3;
export const MAX_DELAY_MS = 8_000;
export const HARD_LIMIT = 30;

export function delayForFailures(failures: number): number {
  if (failures < FREE_ATTEMPTS) return 0;
  return Math.min(250 * 2 ** (failures - FREE_ATTEMPTS), MAX_DELAY_MS);
}

interface Entry {
  count: number;
  first: number;
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  private get(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && this.now() - entry.first > WINDOW_MS) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Failures counted against the worst of the keys (e.g. the email and the client address). */
  failures(keys: string[]): number {
    return Math.max(0, ...keys.map((k) => this.get(k)?.count ?? 0));
  }

  /** How long to hold the answer, or "blocked" when the hard limit is reached. */
  check(keys: string[]): { delayMs: number; blocked: boolean } {
    const failures = this.failures(keys);
    return { delayMs: delayForFailures(failures), blocked: failures >= HARD_LIMIT };
  }

  recordFailure(keys: string[]): void {
    for (const key of keys) {
      const entry = this.get(key);
      if (entry) entry.count += 1;
      else this.entries.set(key, { count: 1, first: this.now() });
    }
    if (this.entries.size > 10_000) this.prune();
  }

  recordSuccess(keys: string[]): void {
    for (const key of keys) this.entries.delete(key);
  }

  private prune(): void {
    for (const key of [...this.entries.keys()]) this.get(key);
  }
}

const KEY = Symbol.for("mcp-orchestrator.login-throttle");
type ThrottleGlobal = typeof globalThis & { [KEY]?: LoginThrottle };

export function getLoginThrottle(): LoginThrottle {
  const g = globalThis as ThrottleGlobal;
  g[KEY] ??= new LoginThrottle();
  return g[KEY];
}

export function throttleKeys(email: string, clientAddress: string | null): string[] {
  const keys = [`email:${email.trim().toLowerCase()}`];
  if (clientAddress) keys.push(`ip:${clientAddress}`);
  return keys;
}
