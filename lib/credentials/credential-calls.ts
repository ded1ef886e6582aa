import type { Database } from "@/db";
import type { TokenKind } from "@/db/schema";
import { findMembership } from "@/db/queries/teams";
import { type Actor, isAdmin } from "@/lib/auth/actor";
import { notFound } from "@/lib/errors";
import { uuidOrThrow } from "@/lib/validation";

/** One call through a gateway made with a credential, and who made it. Never arguments or results. */
export interface CredentialCall {
  at: Date;
  credential_id: string;
  outcome: "ok" | "error" | "denied";
  tool_name: string | null;
  duration_ms: number | null;
  gateway_slug: string | null;
  token_kind: TokenKind | "session" | null;
  token_name: string | null;
  /** The person whose token called; null for team and org tokens. */
  caller_user_id: string | null;
  caller_name: string | null;
  caller_email: string | null;
  /** The team whose token called. */
  caller_team_name: string | null;
}

export const CREDENTIAL_CALLS_LIMIT = 50;

/** The latest calls made with these credentials, newest first (uses audit_events_credential_idx). */
export async function latestCredentialCalls(
  db: Database,
  credentialIds: string[],
  limit = CREDENTIAL_CALLS_LIMIT,
): Promise<CredentialCall[]> {
  if (credentialIds.length === 0) return [];
  const rows = await db
    .selectFrom("audit_events as e")
    .leftJoin("users as u", "u.id", "e.actor_user_id")
    .leftJoin("teams as t", "t.id", "e.team_id")
    .leftJoin("gateways as g", "g.id", "e.gateway_id")
    .leftJoin("access_tokens as k", "k.id", "e.actor_token_id")
    .select([
      "e.at",
      "e.credential_id",
      "e.outcome",
      "e.tool_name",
      "e.duration_ms",
      "e.token_kind",
      "g.slug as gateway_slug",
      "k.name as token_name",
      "e.actor_user_id as caller_user_id",
      "u.name as caller_name",
      "u.email as caller_email",
      "t.name as caller_team_name",
    ])
    .where("e.credential_id", "in", credentialIds)
    .where("e.action", "=", "tool.call")
    .orderBy("e.at", "desc")
    .orderBy("e.id", "desc")
    .limit(Math.min(Math.max(1, limit), 200))
    .execute();
  return rows.map((r) => ({ ...r, credential_id: r.credential_id ?? "" }));
}

/**
 * Pure: who may see a credential's calls: its owner (personal), its team's admins (team), and
 * org admins. Team members who are not team admins do not see who used their team's credential.
 */
export function canSeeCredentialCalls(
  actor: Actor,
  c: { owner_user_id: string | null; owner_team_id: string | null },
  teamRole: "admin" | "member" | null,
): boolean {
  if (isAdmin(actor)) return true;
  if (c.owner_user_id !== null) return c.owner_user_id === actor.id;
  return c.owner_team_id !== null && teamRole === "admin";
}

/** A credential's latest calls, for those who may see them; anyone else gets not-found. */
export async function listCredentialCalls(
  db: Database,
  actor: Actor,
  credentialId: string,
  limit?: number,
): Promise<CredentialCall[]> {
  const id = uuidOrThrow(credentialId, "Credential");
  const c = await db
    .selectFrom("credentials")
    .select(["id", "owner_user_id", "owner_team_id"])
    .where("id", "=", id)
    .executeTakeFirst();
  if (!c) throw notFound("Credential");
  const role = c.owner_team_id ? ((await findMembership(db, c.owner_team_id, actor.id))?.role ?? null) : null;
  if (!canSeeCredentialCalls(actor, c, role)) throw notFound("Credential");
  return latestCredentialCalls(db, [c.id], limit);
}
