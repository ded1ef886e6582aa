import type { CandidateCredential } from "@/lib/credentials/resolve-credential";
import type { BusMessage } from "@/lib/replica-bus";
import { getReplicaBus } from "@/lib/replica-bus";
import { sharedCache } from "@/lib/ttl-cache";
import type { GatewayCaller } from "./caller";
import type { Gateway } from "./gateway-access";
import type { ExposedTool, LoadedAssignment } from "./load-gateway";

/**
 * What a warm gateway call would otherwise read from the database on every request. Entries
 * live one second, so a change is seen within a second even by a replica that missed its
 * announcement; the replica bus drops the affected entries at once (dropChangedEntries, heard
 * from start: listen-for-changes.ts).
 */
const HOT_PATH_TTL_MS = 1000;

/** Callers by token id: a team token's members, a person's teams. */
export const callerCache = sharedCache<string, GatewayCaller>("gateway.callers", HOT_PATH_TTL_MS);
/** A gateway as its endpoint serves it: its assignments and tools, and the tools by exposed name. */
export interface ServedGateway {
  gateway: Gateway;
  tools: ExposedTool[];
  assignments: LoadedAssignment[];
  byName: Map<string, ExposedTool>;
}

export const gatewayCache = sharedCache<string, ServedGateway | null>("gateway.gateways", HOT_PATH_TTL_MS);
/** A server's credentials by catalog item id, as the resolver sees them (owner, status, team use). */
export const candidateCache = sharedCache<string, CandidateCredential[]>("gateway.candidates", HOT_PATH_TTL_MS);

/** After a gateway's settings change on this replica: every replica and open stream hears of it. */
export function forgetGateway(gatewayId?: string): void {
  getReplicaBus().announce({ kind: "gateways-changed", gatewayId });
}

/**
 * The entries a change announced on the bus makes stale: membership (a team token's members,
 * a person's teams), a server's credentials (installed, replaced, revoked, team use switched,
 * needing re-authentication), a gateway's settings or a server's tools.
 */
export function dropChangedEntries(message: BusMessage): void {
  switch (message.kind) {
    case "callers-changed":
      callerCache().clear();
      break;
    case "credentials-changed":
      candidateCache().delete(message.itemId);
      break;
    case "gateways-changed":
    case "catalog-changed":
      gatewayCache().clear();
      break;
  }
}
