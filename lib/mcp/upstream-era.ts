import { processGlobal } from "@/lib/process-global";
import type { Client, PriorDiscovery, Transport } from "@modelcontextprotocol/client";

/**
 * Which revision an upstream server speaks: `modern` for 2026-07-28 (stateless, `server/discover`,
 * `input_required` results), `legacy` for the 2025 revisions (`initialize`, sessions, requests the
 * server sends during a call).
 */
export type UpstreamEra = "modern" | "legacy";

/** The era the client's connection negotiated; a client not connected yet counts as legacy. */
export function upstreamEra(client: Client): UpstreamEra {
  return client.getProtocolEra() === "modern" ? "modern" : "legacy";
}

/**
 * How long a stdio server may stay silent on the `server/discover` probe before it counts as a
 * legacy server (one that ignores requests before `initialize`). Over HTTP silence is an outage,
 * so the probe there waits as long as a connection attempt may.
 */
export const STDIO_PROBE_TIMEOUT_MS = 2_000;
export const HTTP_PROBE_TIMEOUT_MS = 10_000;

/**
 * What the gateway learned about one upstream: per local instance (`key` is the instance, and
 * `incarnation` names its current process or container, so a restart learns again) or per remote
 * catalog entry and credential (`incarnation` is the URL).
 */
export interface EraKey {
  key: string;
  incarnation: string;
}

interface Learned {
  incarnation: string;
  prior: PriorDiscovery;
  /**
   * Learned because the process exited on the probe (a server that ends on any request before
   * `initialize`): the restart that followed is that very server, so its next incarnation is
   * legacy too rather than probed (and killed) again.
   */
  carriesOver: boolean;
  at: number;
}

/** Upstream connections are the process's, and so is what was learned of them. */
const learned = () => processGlobal("upstream-eras", () => new Map<string, Learned>());

/** How long a remote server's era is trusted (no restart can be seen there): then it is probed again. */
const REMOTE_ERA_TTL_MS = 10 * 60_000;
const MAX_REMEMBERED = 10_000;

/** The verdict a new connection to `where` may adopt instead of probing, if any. */
export function rememberedEra(where: EraKey, now = Date.now()): PriorDiscovery | undefined {
  const known = learned().get(where.key);
  if (!known) return undefined;
  if (known.incarnation !== where.incarnation && !known.carriesOver) return undefined;
  if (where.key.startsWith("remote:") && now - known.at > REMOTE_ERA_TTL_MS) return undefined;
  return known.prior;
}

/** Forgets what was learned about `key` (its instance was removed, or the verdict failed). */
export function forgetEra(key: string): void {
  learned().delete(key);
}

function remember(where: EraKey, prior: PriorDiscovery, carriesOver = false): void {
  const map = learned();
  if (map.size >= MAX_REMEMBERED && !map.has(where.key)) map.delete(map.keys().next().value as string);
  map.set(where.key, { incarnation: where.incarnation, prior, carriesOver, at: Date.now() });
}

/** True for the SDK's verdict on a stdio server that exited while it was being probed. */
function closedOnProbe(err: unknown): boolean {
  return err instanceof Error && /connection closed during the server\/discover probe/i.test(err.message);
}

/**
 * Connects `client` over `transport` in the upstream's best era: with the verdict remembered for
 * this incarnation when there is one, otherwise by probing with `server/discover` and falling back
 * to `initialize` (the client's `versionNegotiation: auto`). The verdict is remembered for the
 * next connection to the same incarnation.
 */
export async function connectUpstream(client: Client, transport: Transport, where: EraKey): Promise<void> {
  const prior = rememberedEra(where);
  // Shaped as stdio (as the SDK tells them apart): a process or container's stdin and stdout.
  const stdio = "pid" in transport && "stderr" in transport;
  client.setVersionNegotiation({
    mode: "auto",
    probe: { timeoutMs: stdio ? STDIO_PROBE_TIMEOUT_MS : HTTP_PROBE_TIMEOUT_MS },
  });
  try {
    await client.connect(transport, prior ? { prior } : undefined);
  } catch (err) {
    // A remembered verdict that no longer holds is dropped: the next connection probes.
    if (prior) forgetEra(where.key);
    else if (closedOnProbe(err)) remember(where, { kind: "legacy" }, true);
    throw err;
  }
  const discover = client.getDiscoverResult();
  remember(where, client.getProtocolEra() === "modern" && discover ? { kind: "modern", discover } : { kind: "legacy" });
}
