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

export const callerCache = sharedCache<string, GatewayCaller>("gateway.callers", HOT_PATH_TTL_MS);
/** A gateway as its endpoint serves it: its assignments and tools, and the tools by exposed name. */
export interface ServedGateway {
  gateway: Gateway;
  tools: ExposedTool[];
  assignments: LoadedAssignment[];
  byName: Map<string, ExposedTool>;
}

export const gatewayCache = sharedCache<string, ServedGateway | null>("gateway.gateways", HOT_PATH_TTL_MS);
export const candidateCache = sharedCache<string, CandidateCredential[]>("gateway.candidates", HOT_PATH_TTL_MS);
export const instanceIdCache = sharedCache<string, string>("gateway.instances", HOT_PATH_TTL_MS);

/** After a gateway's settings change on this replica; other replicas and open streams hear of it. */
export function forgetGateway(gatewayId?: string): void {
  gatewayCache().clear();
  void getReplicaBus()
    .publish({ kind: "gateways-changed", gatewayId })
    .catch(() => {});
}

/** After a credential is installed, replaced or revoked on this replica. */
export function forgetCredentials(itemId: string): void {
  candidateCache().delete(itemId);
}
