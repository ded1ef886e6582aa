import type { CredentialMode, CredentialScope, CredentialStatus } from "@/db/schema";

/** Who is calling, as far as choosing a credential goes. */
export type Caller =
  /** A person's token: their teams are the teams they belong to. */
  | { kind: "user"; userId: string; teamIds: string[] }
  /** A team's token: its members are the people in the team. */
  | { kind: "team"; teamId: string; memberIds: string[] }
  /** The organisation's token. */
  | { kind: "org" };

export interface CandidateCredential {
  id: string;
  scope: CredentialScope;
  ownerUserId: string | null;
  ownerTeamId: string | null;
  status: CredentialStatus;
  createdAt: Date;
  expiresAt: Date | null;
  /**
   * A personal credential its owner lets others' tokens use: team tokens of the owner's teams
   * (and the org token). Off, only the owner's own token (or a static assignment) uses it.
   */
  teamUse: boolean;
}

export interface AssignmentMode {
  mode: CredentialMode;
  staticCredentialId: string | null;
}

export type ResolvedVia = "static" | "personal" | "team" | "team_member" | "first_available";

export type Resolution =
  | { kind: "resolved"; credentialId: string; via: ResolvedVia }
  /** No credential qualifies: the caller should install one. */
  | { kind: "missing" }
  /** The credential that would be used is expired, revoked or needs signing in again. */
  | { kind: "reauth"; credentialId: string };

export function isUsable(c: CandidateCredential, now: Date): boolean {
  return (c.status === "active" || c.status === "expiring") && (c.expiresAt === null || c.expiresAt > now);
}

/** Oldest first, then by id: the same inputs always pick the same credential. */
const byAge = (a: CandidateCredential, b: CandidateCredential) =>
  a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Pure: the credential a tool call uses. Static assignments use their credential whoever
 * calls. "Resolve at call time" follows the priority:
 *   1. a user token: the caller's own personal credential;
 *   2. a team token: a credential of that team, else a personal credential of one of its
 *      members (who accepted membership) that its owner lets teams use; a user token without a personal credential: a credential of one of the
 *      caller's teams (team credentials are shared by the team's members);
 *   3. the org token: the first available credential (personal ones only where their owner
 *      lets them be shared).
 * Among several at one step, the oldest wins. Unusable credentials (expired, revoked,
 * needing sign-in) are skipped; when nothing usable is found, the highest-priority unusable
 * one is named so the caller can re-authenticate it.
 */
export function resolveCredential(
  assignment: AssignmentMode,
  caller: Caller,
  candidates: CandidateCredential[],
  now: Date = new Date(),
): Resolution {
  if (assignment.mode === "static") {
    const chosen = candidates.find((c) => c.id === assignment.staticCredentialId);
    if (!chosen) return { kind: "missing" };
    // Its owner keeps a personal credential out of shared use: bound or not, only they use it.
    const ownersOnly = chosen.scope === "personal" && !chosen.teamUse;
    if (ownersOnly && !(caller.kind === "user" && caller.userId === chosen.ownerUserId)) return { kind: "missing" };
    return isUsable(chosen, now)
      ? { kind: "resolved", credentialId: chosen.id, via: "static" }
      : { kind: "reauth", credentialId: chosen.id };
  }

  const steps: [ResolvedVia, (c: CandidateCredential) => boolean][] = [];
  if (caller.kind === "user") {
    steps.push(["personal", (c) => c.scope === "personal" && c.ownerUserId === caller.userId]);
    steps.push(["team", (c) => c.scope === "team" && c.ownerTeamId !== null && caller.teamIds.includes(c.ownerTeamId)]);
  } else if (caller.kind === "team") {
    steps.push(["team", (c) => c.scope === "team" && c.ownerTeamId === caller.teamId]);
    steps.push([
      "team_member",
      (c) => c.scope === "personal" && c.teamUse && c.ownerUserId !== null && caller.memberIds.includes(c.ownerUserId),
    ]);
  } else {
    steps.push(["first_available", (c) => c.scope === "team" || c.teamUse]);
  }

  let stale: CandidateCredential | undefined;
  for (const [via, qualifies] of steps) {
    const matching = candidates.filter(qualifies).sort(byAge);
    const usable = matching.find((c) => isUsable(c, now));
    if (usable) return { kind: "resolved", credentialId: usable.id, via };
    stale ??= matching[0];
  }
  return stale ? { kind: "reauth", credentialId: stale.id } : { kind: "missing" };
}
