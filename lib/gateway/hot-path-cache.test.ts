import { describe, expect, it } from "vitest";
import { getReplicaBus } from "@/lib/replica-bus";
import type { GatewayCaller } from "./caller";
import { callerCache, candidateCache } from "./hot-path-cache";

const caller = { tokenId: "t" } as GatewayCaller;

describe("hot-path caches hear membership and credential changes made on any replica", () => {
  it("a callers-changed message drops every cached caller (a team token's members)", async () => {
    callerCache().set("token-1", caller);
    await getReplicaBus().publish({ kind: "callers-changed" });
    expect(callerCache().get("token-1")).toBeUndefined();
  });

  it("a credentials-changed message drops that server's candidates only", async () => {
    candidateCache().set("item-a", []);
    candidateCache().set("item-b", []);
    await getReplicaBus().publish({ kind: "credentials-changed", itemId: "item-a" });
    expect(candidateCache().get("item-a")).toBeUndefined();
    expect(candidateCache().get("item-b")).toEqual([]);
  });
});
