import { describe, expect, it } from "vitest";
import type { Database } from "@/db";
import { type TokenPrincipal, tokenCaller } from "@/lib/tokens/authenticate-token";
import { gatewayCaller } from "./caller";

const principal = (kind: "user" | "team" | "org", extra: Partial<TokenPrincipal> = {}): TokenPrincipal => ({
  token: { id: `t-${kind}`, kind, team_id: kind === "team" ? "team-1" : null, prefix: "p" },
  user: null,
  ...extra,
});
const noDatabase = {} as Database;

describe("the caller a token names", () => {
  it("names the person of a user token and the team of a team token, and nothing it does not have", () => {
    const ada = { id: "u-1", email: "ada@example.com", name: "Ada", role: "member" } as never;
    expect(tokenCaller(principal("user", { user: ada }))).toEqual({
      tokenId: "t-user",
      tokenKind: "user",
      userId: "u-1",
      teamId: null,
    });
    expect(tokenCaller(principal("team"))).toEqual({
      tokenId: "t-team",
      tokenKind: "team",
      userId: null,
      teamId: "team-1",
    });
    expect(tokenCaller(principal("org"))).toEqual({ tokenId: "t-org", tokenKind: "org", userId: null, teamId: null });
  });

  it("an org token reaches every gateway; a user or team token without its person or team never does", async () => {
    expect((await gatewayCaller(noDatabase, principal("org"))).viewer).toEqual({ kind: "org" });
    await expect(gatewayCaller(noDatabase, principal("user"))).rejects.toThrow("without its user");
    const orphan = principal("team");
    orphan.token.team_id = null;
    await expect(gatewayCaller(noDatabase, orphan)).rejects.toThrow("without its team");
  });
});
