import type { Database } from "@/db";
import { forgetGatewayAccessTokens } from "./gateway-token";
import { revokeGrant } from "./storage-adapter";

/**
 * Disconnects every connected app (an MCP client signed in to a gateway) of a person or of a
 * client: each grant goes with its access and refresh tokens, at once on this replica and within
 * a second on the others. Returns how many were disconnected.
 */
export async function revokeConnectedApps(
  db: Database,
  of: { userId: string } | { clientId: string },
): Promise<number> {
  const apps = await db
    .selectFrom("access_tokens")
    .select("oauth_grant_id")
    .where("userId" in of ? "user_id" : "oauth_client_id", "=", "userId" in of ? of.userId : of.clientId)
    .where("oauth_grant_id", "is not", null)
    .where("revoked_at", "is", null)
    .execute();
  for (const { oauth_grant_id } of apps) if (oauth_grant_id) await revokeGrant(db, oauth_grant_id);
  forgetGatewayAccessTokens();
  return apps.length;
}
