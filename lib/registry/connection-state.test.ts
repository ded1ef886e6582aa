import { describe, expect, it } from "vitest";
import { connectionState, type StateCredential } from "./connection-state";

const c = (over: Partial<StateCredential>): StateCredential => ({
  id: "c",
  owner_user_id: null,
  owner_team_id: null,
  status: "active",
  team_name: null,
  ...over,
});

describe("a person's connection to a server", () => {
  it("connected with their own credential, through a team, needing re-authentication, or not at all", () => {
    expect(connectionState("u1", [], [c({ id: "a", owner_user_id: "u1" })])).toEqual({
      kind: "connected",
      credentialId: "a",
    });
    expect(connectionState("u1", ["t1"], [c({ owner_team_id: "t1", team_name: "Ops" })])).toEqual({
      kind: "connected_via_team",
      teamName: "Ops",
    });
    expect(connectionState("u1", ["t1"], [c({ id: "x", owner_user_id: "u1", status: "needs_reauth" })])).toEqual({
      kind: "needs_reauth",
      credentialId: "x",
    });
    expect(connectionState("u1", [], [c({ owner_user_id: "u2" }), c({ owner_team_id: "t9" })])).toEqual({
      kind: "not_connected",
    });
    expect(connectionState("u1", [], [c({ owner_user_id: "u1", status: "revoked" })])).toEqual({
      kind: "not_connected",
    });
  });

  it("prefers a working credential of one's own over a team's, and a team's over a stale own one", () => {
    expect(
      connectionState("u1", ["t1"], [c({ owner_team_id: "t1" }), c({ id: "mine", owner_user_id: "u1" })]).kind,
    ).toBe("connected");
    expect(
      connectionState(
        "u1",
        ["t1"],
        [c({ owner_user_id: "u1", status: "error" }), c({ owner_team_id: "t1", team_name: "Ops" })],
      ).kind,
    ).toBe("connected_via_team");
  });
});
