import type { Database } from "@/db";
import type { Caller } from "@/lib/credentials/resolve-credential";
import { forbidden } from "@/lib/errors";
import { type TokenCaller, type TokenPrincipal, tokenCaller } from "@/lib/tokens/authenticate-token";
import { type GatewayViewer, userViewer } from "./gateway-access";

/**
 * Who is calling a gateway, built once from the token (and cached per token, hot-path-cache.ts):
 * the token's caller, what they may see (`viewer`), and how credentials resolve for them
 * (`caller`). The relay rule, forwarded calls and the audit log take the token's caller from it.
 */
export interface GatewayCaller extends TokenCaller {
  viewer: GatewayViewer;
  caller: Caller;
}

export async function gatewayCaller(db: Database, principal: TokenPrincipal): Promise<GatewayCaller> {
  const who = tokenCaller(principal);
  if (who.tokenKind === "user" && principal.user) {
    const viewer = await userViewer(db, principal.user);
    const teamIds = viewer.kind === "user" ? viewer.teamIds : [];
    return { ...who, viewer, caller: { kind: "user", userId: principal.user.id, teamIds } };
  }
  if (who.tokenKind === "team" && who.teamId) {
    const teamId = who.teamId;
    const members = await db.selectFrom("team_members").select("user_id").where("team_id", "=", teamId).execute();
    return {
      ...who,
      viewer: { kind: "team", teamId },
      caller: { kind: "team", teamId, memberIds: members.map((m) => m.user_id) },
    };
  }
  // Never an org's reach by accident: a user or team token without its person or team is refused.
  if (who.tokenKind !== "org") throw forbidden(`A ${who.tokenKind} token without its ${who.tokenKind} cannot call.`);
  return { ...who, viewer: { kind: "org" }, caller: { kind: "org" } };
}
