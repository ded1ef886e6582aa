import { describe, expect, it } from "vitest";
import type { CredentialStatus } from "@/db/schema";
import { type Caller, type CandidateCredential, type Resolution, resolveCredential } from "./resolve-credential";

const now = new Date("2026-06-01T00:00:00Z");
const t = (day: number) => new Date(Date.UTC(2026, 0, day));

// People and teams: alice and bob are in team X, carol in team Y, dave in no team.
const users = { alice: "u-alice", bob: "u-bob", carol: "u-carol", dave: "u-dave" };
const teams = { X: "t-x", Y: "t-y" };
const callers: Record<string, Caller> = {
  "alice's token": { kind: "user", userId: users.alice, teamIds: [teams.X] },
  "dave's token": { kind: "user", userId: users.dave, teamIds: [] },
  "carol's token": { kind: "user", userId: users.carol, teamIds: [teams.Y] },
  "team X token": { kind: "team", teamId: teams.X, memberIds: [users.alice, users.bob] },
  "team Y token": { kind: "team", teamId: teams.Y, memberIds: [users.carol] },
  "org token": { kind: "org" },
};

function personal(
  id: string,
  owner: string,
  day: number,
  status: CredentialStatus = "active",
  expiresAt: Date | null = null,
): CandidateCredential {
  return {
    id,
    scope: "personal",
    ownerUserId: owner,
    ownerTeamId: null,
    status,
    createdAt: t(day),
    expiresAt,
    teamUse: true,
  };
}
/** A personal credential its owner keeps out of team use. */
function kept(
  id: string,
  owner: string,
  day: number,
  status: CredentialStatus = "active",
  expiresAt: Date | null = null,
): CandidateCredential {
  return { ...personal(id, owner, day, status, expiresAt), teamUse: false };
}
function team(id: string, owner: string, day: number, status: CredentialStatus = "active"): CandidateCredential {
  return {
    id,
    scope: "team",
    ownerUserId: null,
    ownerTeamId: owner,
    status,
    createdAt: t(day),
    expiresAt: null,
    teamUse: true,
  };
}

const callTime = { mode: "call_time" as const, staticCredentialId: null };
const resolve = (caller: string, creds: CandidateCredential[]): Resolution =>
  resolveCredential(callTime, callers[caller] as Caller, creds, now);
const id = (r: Resolution) => (r.kind === "missing" ? "missing" : `${r.kind}:${r.credentialId}`);

/**
 * Which credentials exist, in which state, and what each kind of caller gets. Each row is a
 * world; each column a caller. "reauth:x" = asked to re-authenticate x.
 */
const worlds: { world: string; creds: CandidateCredential[]; expect: Record<string, string> }[] = [
  {
    world: "no credentials",
    creds: [],
    expect: {
      "alice's token": "missing",
      "dave's token": "missing",
      "team X token": "missing",
      "org token": "missing",
    },
  },
  {
    world: "alice personal only",
    creds: [personal("a1", users.alice, 5)],
    expect: {
      "alice's token": "resolved:a1",
      "dave's token": "missing", // never someone else's personal credential
      "carol's token": "missing",
      "team X token": "resolved:a1", // a member's personal credential
      "team Y token": "missing", // alice is not in Y
      "org token": "resolved:a1",
    },
  },
  {
    world: "bob personal + team X credential",
    creds: [personal("b1", users.bob, 1), team("x1", teams.X, 9)],
    expect: {
      "alice's token": "resolved:x1", // no personal: her team's credential
      "dave's token": "missing",
      "team X token": "resolved:x1", // the team's own before a member's personal
      "team Y token": "missing", // team Y never reaches team X's credential
      "carol's token": "missing",
      "org token": "resolved:b1", // oldest available
    },
  },
  {
    world: "alice personal and team X: personal wins for alice",
    creds: [team("x1", teams.X, 1), personal("a1", users.alice, 8)],
    expect: { "alice's token": "resolved:a1", "team X token": "resolved:x1", "org token": "resolved:x1" },
  },
  {
    world: "two personal credentials of team X members: the oldest",
    creds: [personal("b1", users.bob, 7), personal("a1", users.alice, 3)],
    expect: { "team X token": "resolved:a1", "org token": "resolved:a1", "alice's token": "resolved:a1" },
  },
  {
    world: "alice's personal credential revoked, team X active",
    creds: [personal("a1", users.alice, 1, "revoked"), team("x1", teams.X, 2)],
    expect: { "alice's token": "resolved:x1", "team X token": "resolved:x1", "org token": "resolved:x1" },
  },
  {
    world: "alice's only credential expired",
    creds: [personal("a1", users.alice, 1, "active", new Date("2026-05-01T00:00:00Z"))],
    expect: {
      "alice's token": "reauth:a1",
      "team X token": "reauth:a1",
      "org token": "reauth:a1",
      "dave's token": "missing",
    },
  },
  {
    world: "alice's credential needs re-authentication; carol's is fine",
    creds: [personal("a1", users.alice, 1, "needs_reauth"), personal("c1", users.carol, 2)],
    expect: {
      "alice's token": "reauth:a1", // not carol's: never another person's personal credential
      "carol's token": "resolved:c1",
      "team X token": "reauth:a1",
      "team Y token": "resolved:c1",
      "org token": "resolved:c1",
    },
  },
  {
    world: "expiring credentials still work",
    creds: [personal("a1", users.alice, 1, "expiring", new Date("2026-06-02T00:00:00Z"))],
    expect: { "alice's token": "resolved:a1" },
  },
  {
    world: "alice keeps her personal credential out of team use",
    creds: [kept("a1", users.alice, 5)],
    expect: {
      "alice's token": "resolved:a1", // still hers
      "team X token": "missing", // not the team's, though she is a member
      "org token": "missing", // nor the organisation's
      "dave's token": "missing",
    },
  },
  {
    world: "alice keeps hers (older), bob shares his",
    creds: [kept("a1", users.alice, 1), personal("b1", users.bob, 5)],
    expect: { "alice's token": "resolved:a1", "team X token": "resolved:b1", "org token": "resolved:b1" },
  },
  {
    world: "alice keeps an expired one: team tokens are not sent to re-authenticate it",
    creds: [kept("a1", users.alice, 1, "active", new Date("2026-05-01T00:00:00Z"))],
    expect: { "alice's token": "reauth:a1", "team X token": "missing", "org token": "missing" },
  },
  {
    world: "a team credential is the team's whatever alice keeps",
    creds: [kept("a1", users.alice, 1), team("x1", teams.X, 2)],
    expect: { "team X token": "resolved:x1", "org token": "resolved:x1", "alice's token": "resolved:a1" },
  },
  {
    world: "team Y credential only",
    creds: [team("y1", teams.Y, 1)],
    expect: {
      "alice's token": "missing",
      "carol's token": "resolved:y1",
      "team X token": "missing",
      "team Y token": "resolved:y1",
      "org token": "resolved:y1",
    },
  },
];

describe("credential resolution at call time", () => {
  for (const { world, creds, expect: expected } of worlds) {
    for (const [caller, outcome] of Object.entries(expected)) {
      it(`${world} / ${caller} -> ${outcome}`, () => {
        expect(id(resolve(caller, creds))).toBe(outcome);
      });
    }
  }

  it("is deterministic whatever the order the credentials come in", () => {
    const creds = [personal("b1", users.bob, 4), personal("a1", users.alice, 4), personal("c1", users.carol, 2)];
    const outcomes = new Set(
      [creds, [...creds].reverse(), [creds[1], creds[2], creds[0]]].map((c) =>
        id(resolve("org token", c as CandidateCredential[])),
      ),
    );
    expect([...outcomes]).toEqual(["resolved:c1"]);
    // Same age: the lower id.
    expect(id(resolve("team X token", [personal("b1", users.bob, 4), personal("a1", users.alice, 4)]))).toBe(
      "resolved:a1",
    );
  });

  it("isolation: a user token never gets another person's personal credential, in any world", () => {
    for (const { creds } of worlds) {
      for (const caller of ["alice's token", "dave's token", "carol's token"]) {
        const r = resolve(caller, creds);
        if (r.kind === "missing") continue;
        const chosen = creds.find((c) => c.id === r.credentialId);
        const me = (callers[caller] as { userId: string }).userId;
        if (chosen?.scope === "personal") expect(chosen.ownerUserId).toBe(me);
      }
    }
  });

  it("isolation: a team token never gets another team's credential, in any world", () => {
    for (const { creds } of worlds) {
      for (const [caller, teamId] of [
        ["team X token", teams.X],
        ["team Y token", teams.Y],
      ] as const) {
        const r = resolve(caller, creds);
        if (r.kind === "missing") continue;
        const chosen = creds.find((c) => c.id === r.credentialId);
        if (chosen?.scope === "team") expect(chosen.ownerTeamId).toBe(teamId);
      }
    }
  });

  it("consent: a team or org token never gets a personal credential kept out of team use, in any world", () => {
    for (const { creds } of worlds) {
      for (const caller of ["team X token", "team Y token", "org token"]) {
        const r = resolve(caller, creds);
        if (r.kind === "missing") continue;
        expect(creds.find((c) => c.id === r.credentialId)?.teamUse).toBe(true);
      }
    }
  });

  it("consent: a team token only reaches the personal credentials of the members it was given", () => {
    // The scenario of the issue: dave is in no team; an admin of team X names him anyway.
    const creds = [personal("d1", users.dave, 1)];
    expect(id(resolve("team X token", creds))).toBe("missing");
    const withDave: Caller = { kind: "team", teamId: teams.X, memberIds: [users.alice, users.dave] };
    expect(id(resolveCredential(callTime, withDave, creds, now))).toBe("resolved:d1");
    expect(id(resolveCredential(callTime, withDave, [kept("d1", users.dave, 1)], now))).toBe("missing");
  });
});

describe("static assignments", () => {
  const creds = [personal("a1", users.alice, 1), personal("c1", users.carol, 2, "revoked")];
  it.each(Object.keys(callers))("use the chosen credential whoever calls (%s)", (caller) => {
    const r = resolveCredential({ mode: "static", staticCredentialId: "a1" }, callers[caller] as Caller, creds, now);
    expect(r).toEqual({ kind: "resolved", credentialId: "a1", via: "static" });
  });
  it("a personal credential kept out of team use serves only its owner, even when bound", () => {
    const bound = { mode: "static" as const, staticCredentialId: "k1" };
    const creds = [kept("k1", users.alice, 1)];
    expect(resolveCredential(bound, { kind: "org" }, creds, now)).toEqual({ kind: "missing" });
    expect(resolveCredential(bound, { kind: "team", teamId: "t", memberIds: [users.alice] }, creds, now)).toEqual({
      kind: "missing",
    });
    expect(resolveCredential(bound, { kind: "user", userId: users.bob, teamIds: [] }, creds, now)).toEqual({
      kind: "missing",
    });
    expect(resolveCredential(bound, { kind: "user", userId: users.alice, teamIds: [] }, creds, now)).toEqual({
      kind: "resolved",
      credentialId: "k1",
      via: "static",
    });
  });
  it("a revoked static credential asks for re-authentication; a deleted one is missing", () => {
    expect(resolveCredential({ mode: "static", staticCredentialId: "c1" }, { kind: "org" }, creds, now)).toEqual({
      kind: "reauth",
      credentialId: "c1",
    });
    expect(resolveCredential({ mode: "static", staticCredentialId: "zz" }, { kind: "org" }, creds, now)).toEqual({
      kind: "missing",
    });
  });
});
