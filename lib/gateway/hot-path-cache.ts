import type { CandidateCredential } from "@/lib/credentials/resolve-credential";
import { getReplicaBus } from "@/lib/replica-bus";
import { sharedCache } from "@/lib/ttl-cache";
import type { GatewayCaller } from "./caller";
import type { Gateway } from "./gateway-access";
import type { ExposedTool, LoadedAssignment } from "./load-gateway";

/**
 * What a warm gateway call would otherwise read from the database on every request. Entries
 * live one second, so changes made on another replica are seen within a second; changes made
 * on this replica drop the affected entries at once.
 */
export const HOT_PATH_TTL_MS = 1000;

const callers = sharedCache<string, GatewayCaller>("gateway.callers", HOT_PATH_TTL_MS);
/** Callers by token id: a team token's members, a person's teams. */
export const callerCache = () => {
  listenForChanges();
  return callers();
};
/** A gateway as its endpoint serves it: its assignments and tools, and the tools by exposed name. */
export interface ServedGateway {
  gateway: Gateway;
  tools: ExposedTool[];
  assignments: LoadedAssignment[];
  byName: Map<string, ExposedTool>;
}

export const gatewayCache = sharedCache<string, ServedGateway | null>("gateway.gateways", HOT_PATH_TTL_MS);
const candidates = sharedCache<string, CandidateCredential[]>("gateway.candidates", HOT_PATH_TTL_MS);
/** A server's credentials by catalog item id, as the resolver sees them (owner, status, team use). */
export const candidateCache = () => {
  listenForChanges();
  return candidates();
};
export const instanceIdCache = sharedCache<string, string>("gateway.instances", HOT_PATH_TTL_MS);

/** After a gateway's settings change on this replica; other replicas and open streams hear of it. */
export function forgetGateway(gatewayId?: string): void {
  gatewayCache().clear();
  void getReplicaBus()
    .publish({ kind: "gateways-changed", gatewayId })
    .catch(() => {});
}

/**
 * After a credential is installed, replaced, revoked or its team use switched on this replica:
 * dropped here at once, and on the other replicas as soon as they hear of it (within the
 * entries' second at worst).
 */
export function forgetCredentials(itemId: string): void {
  candidates().delete(itemId);
  void getReplicaBus()
    .publish({ kind: "credentials-changed", itemId })
    .catch(() => {});
}

/**
 * After team membership changed on this replica (a member added, removed or their role
 * changed, an invitation accepted): a team token's members and a person's teams are read again,
 * here at once and on the other replicas as soon as they hear of it.
 */
export function forgetCallers(): void {
  callers().clear();
  void getReplicaBus()
    .publish({ kind: "callers-changed" })
    .catch(() => {});
}

const LISTENING = Symbol.for("mcp-orchestrator.hot-path-cache.listening");
let listening = false;

/** Once per process: drop cached callers and credentials that another replica changed. */
function listenForChanges(): void {
  if (listening) return;
  listening = true;
  const g = globalThis as typeof globalThis & { [LISTENING]?: true };
  if (g[LISTENING]) return;
  g[LISTENING] = true;
  getReplicaBus().subscribe((m) => {
    if (m.kind === "callers-changed") callers().clear();
    else if (m.kind === "credentials-changed") candidates().delete(m.itemId);
  });
}
