import type { Database } from "@/db";
import type { Caller } from "@/lib/credentials/resolve-credential";
import type { TokenPrincipal } from "@/lib/tokens/authenticate-token";
import { type GatewayViewer, userViewer } from "./gateway-access";

/** Who is calling a gateway: what they may see, how credentials resolve for them, and how they are audited. */
export interface GatewayCaller {
  viewer: GatewayViewer;
  caller: Caller;
  tokenId: string;
  tokenKind: "user" | "team" | "org";
  userId: string | null;
  teamId: string | null;
}

export async function gatewayCaller(db: Database, principal: TokenPrincipal): Promise<GatewayCaller> {
  const base = { tokenId: principal.token.id, tokenKind: principal.token.kind };
  if (principal.token.kind === "user" && principal.user) {
    const viewer = await userViewer(db, principal.user);
    const teamIds = viewer.kind === "user" ? viewer.teamIds : [];
    return {
      ...base,
      viewer,
      caller: { kind: "user", userId: principal.user.id, teamIds },
      userId: principal.user.id,
      teamId: null,
    };
  }
  if (principal.token.kind === "team" && principal.token.team_id) {
    const teamId = principal.token.team_id;
    const members = await db.selectFrom("team_members").select("user_id").where("team_id", "=", teamId).execute();
    return {
      ...base,
      viewer: { kind: "team", teamId },
      caller: { kind: "team", teamId, memberIds: members.map((m) => m.user_id) },
      userId: null,
      teamId,
    };
  }
  return { ...base, viewer: { kind: "org" }, caller: { kind: "org" }, userId: null, teamId: null };
}
