import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getLogger } from "./log";
import { type BusMessage, ReplicaBus } from "./replica-bus";

const url = process.env.TEST_DATABASE_URL;
if (!url) console.warn("TEST_DATABASE_URL not set: the replica bus is tested in-process only.");

/** What a bus's handlers heard of messages for one item (other suites share the channel). */
function hearing(bus: ReplicaBus, itemId: string): BusMessage[] {
  const heard: BusMessage[] = [];
  bus.subscribe((m) => {
    if (m.kind === "credentials-changed" && m.itemId === itemId) heard.push(m);
  });
  return heard;
}

const settle = () => new Promise((r) => setTimeout(r, 300));

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
}

describe("an announced change, in one process", () => {
  it("is heard by this process's handlers before announce returns, once", async () => {
    const bus = new ReplicaBus(undefined);
    const heard = hearing(bus, "item-1");
    bus.announce({ kind: "credentials-changed", itemId: "item-1" });
    expect(heard).toHaveLength(1);
    await settle();
    expect(heard).toHaveLength(1);
  });

  it("reaches every handler although one of them throws, and announce does not throw", () => {
    const bus = new ReplicaBus(undefined);
    bus.subscribe(() => {
      throw new Error("a broken handler");
    });
    const heard = hearing(bus, "item-2");
    expect(() => bus.announce({ kind: "credentials-changed", itemId: "item-2" })).not.toThrow();
    expect(heard).toHaveLength(1);
  });
});

describe.skipIf(!url)("an announced change, across replicas on PostgreSQL", () => {
  const buses: ReplicaBus[] = [];
  const replica = () => {
    const bus = new ReplicaBus(url);
    buses.push(bus);
    return bus;
  };
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
  });

  it("is heard here at once and once only, and at the other replica when it arrives", async () => {
    const here = replica();
    const there = replica();
    const itemId = randomUUID();
    const heardHere = hearing(here, itemId);
    const heardThere = hearing(there, itemId);
    // Both listen before the change is made.
    await here.publish({ kind: "callers-changed" });
    await there.publish({ kind: "callers-changed" });
    here.announce({ kind: "credentials-changed", itemId });
    expect(heardHere).toHaveLength(1);
    await until(() => heardThere.length > 0);
    await settle();
    expect(heardThere).toEqual([{ kind: "credentials-changed", itemId, announcedBy: expect.any(String) }]);
    // Its own announcement comes back over PostgreSQL, and is not heard a second time.
    expect(heardHere).toHaveLength(1);
  });

  it("a published message is heard by every replica, the publisher too", async () => {
    const here = replica();
    const there = replica();
    const itemId = randomUUID();
    const heardHere = hearing(here, itemId);
    const heardThere = hearing(there, itemId);
    await there.publish({ kind: "callers-changed" });
    await here.publish({ kind: "credentials-changed", itemId });
    await until(() => heardHere.length > 0 && heardThere.length > 0);
    expect([heardHere.length, heardThere.length]).toEqual([1, 1]);
  });
});

describe("a replica bus whose database is away", () => {
  it("says so once, not at every retry, and announcing still reaches this process", async () => {
    const warn = vi.spyOn(getLogger(), "warn");
    const bus = new ReplicaBus("postgres://nobody:nothing@127.0.0.1:1/none");
    const heard = hearing(bus, "item-3");
    bus.announce({ kind: "credentials-changed", itemId: "item-3" });
    expect(heard).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 2500));
    await bus.close();
    const lost = warn.mock.calls.filter(([, msg]) => msg === "replica bus connection lost; reconnecting");
    expect(lost).toHaveLength(1);
    warn.mockRestore();
  });
});
