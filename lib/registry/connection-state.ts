import type { CredentialStatus } from "@/db/schema";

export type ConnectionState =
  | { kind: "connected"; credentialId: string }
  | { kind: "connected_via_team"; teamName: string }
  | { kind: "needs_reauth"; credentialId: string }
  | { kind: "not_connected" };

export interface StateCredential {
  id: string;
  owner_user_id: string | null;
  owner_team_id: string | null;
  status: CredentialStatus;
  team_name: string | null;
}

/** Pure: a person's state for one server, from the credentials that exist for it. */
export function connectionState(userId: string, teamIds: string[], creds: StateCredential[]): ConnectionState {
  const mine = creds.filter((c) => c.owner_user_id === userId && c.status !== "revoked");
  const usable = mine.find((c) => c.status === "active" || c.status === "expiring");
  if (usable) return { kind: "connected", credentialId: usable.id };
  const team = creds.find(
    (c) => c.owner_team_id && teamIds.includes(c.owner_team_id) && (c.status === "active" || c.status === "expiring"),
  );
  if (team) return { kind: "connected_via_team", teamName: team.team_name ?? "your team" };
  const stale = mine[0];
  if (stale) return { kind: "needs_reauth", credentialId: stale.id };
  return { kind: "not_connected" };
}
