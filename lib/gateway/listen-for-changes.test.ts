import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it, vi } from "vitest";
import { type BusMessage, ReplicaBus } from "@/lib/replica-bus";
import type { GatewayCaller } from "./caller";
import { sessionEnded } from "./ended-sessions";
import { callerCache, candidateCache, gatewayCache, type ServedGateway } from "./hot-path-cache";
import { listenForChanges } from "./listen-for-changes";

const caller = { tokenId: "t" } as GatewayCaller;
const served = {} as ServedGateway;
const url = process.env.TEST_DATABASE_URL;

describe("the gateway's caches hear the changes announced on this replica", () => {
  const bus = new ReplicaBus(undefined);
  listenForChanges(bus);

  it("registers once however often it is called", () => {
    const other = new ReplicaBus(undefined);
    const subscribe = vi.spyOn(other, "subscribe");
    listenForChanges(other);
    listenForChanges(other);
    expect(subscribe).toHaveBeenCalledTimes(1);
  });

  it("a membership change drops every cached caller (a team token's members), at once", () => {
    callerCache().set("token-1", caller);
    bus.announce({ kind: "callers-changed" });
    expect(callerCache().get("token-1")).toBeUndefined();
  });

  it("a credential change drops that server's candidates only", () => {
    candidateCache().set("item-a", []);
    candidateCache().set("item-b", []);
    bus.announce({ kind: "credentials-changed", itemId: "item-a" });
    expect(candidateCache().get("item-a")).toBeUndefined();
    expect(candidateCache().get("item-b")).toEqual([]);
  });

  it("a gateway's settings or a server's tools changing drops the served gateways", () => {
    for (const message of [
      { kind: "gateways-changed", gatewayId: "g" },
      { kind: "catalog-changed", itemId: "item-a" },
    ] as const) {
      gatewayCache().set("slug", served);
      bus.announce(message);
      expect(gatewayCache().get("slug")).toBeUndefined();
    }
  });

  it("a session ended elsewhere is ended here without reading the database", () => {
    const session = randomUUID();
    bus.announce({ kind: "session-ended", session });
    expect(sessionEnded(null as never, session)).toBe(true);
  });

  it("a message about something else drops nothing", () => {
    callerCache().set("token-2", caller);
    candidateCache().set("item-c", []);
    bus.announce({ kind: "sessions-revoked", userId: "u" });
    expect(callerCache().get("token-2")).toBe(caller);
    expect(candidateCache().get("item-c")).toEqual([]);
  });
});

describe.skipIf(!url)("the gateway's caches hear changes made at another replica (PostgreSQL)", () => {
  // The gateway listens on one replica's bus; the change is announced on another's.
  const here = new ReplicaBus(url);
  const elsewhere = new ReplicaBus(url);
  listenForChanges(here);
  afterAll(async () => {
    await here.close();
    await elsewhere.close();
  });

  /** Resolves once `here` heard the message (after the gateway's handler, registered first). */
  const heardHere = (match: (m: BusMessage) => boolean) =>
    new Promise<void>((resolve) => here.subscribe((m) => match(m) && resolve()));

  it("a credential changed elsewhere drops the candidates here when the message arrives", async () => {
    const itemId = randomUUID();
    await here.publish({ kind: "callers-changed" }); // listening before the change
    candidateCache().set(itemId, []);
    const heard = heardHere((m) => m.kind === "credentials-changed" && m.itemId === itemId);
    elsewhere.announce({ kind: "credentials-changed", itemId });
    await heard;
    expect(candidateCache().get(itemId)).toBeUndefined();
  });

  it("a session ended elsewhere is ended here", async () => {
    const session = randomUUID();
    const heard = heardHere((m) => m.kind === "session-ended" && m.session === session);
    elsewhere.announce({ kind: "session-ended", session });
    await heard;
    expect(sessionEnded(null as never, session)).toBe(true);
  });
});
