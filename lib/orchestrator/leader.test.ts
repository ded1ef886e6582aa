import { describe, expect, it } from "vitest";
import { AdvisoryLockLeader } from "./leader";

const url = process.env.TEST_DATABASE_URL;

describe.skipIf(!url)("reconciler leadership on PostgreSQL", () => {
  it("exactly one replica leads; when it goes away another takes over", async () => {
    const key = Math.floor(Math.random() * 1_000_000_000);
    const a = new AdvisoryLockLeader(url as string, key);
    const b = new AdvisoryLockLeader(url as string, key);
    try {
      expect(await a.isLeader()).toBe(true);
      expect(await b.isLeader()).toBe(false);
      expect(await a.isLeader()).toBe(true);
      await a.close(); // the leader's process dies: its session ends
      expect(await b.isLeader()).toBe(true);
      expect(await a.isLeader()).toBe(false);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
