import { describe, expect, it } from "vitest";
import { AuditQueue, getAuditQueue } from "@/lib/audit/audit-queue";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { installShutdown } from "./shutdown";

const SHUTDOWN = Symbol.for("mcp-orchestrator.shutdown");

describe.each(backends.slice(0, 1))("shutdown on $name", (backend) => {
  const t = useMigratedDatabase(backend);

  it("writes audit events still waiting for their batch before the process exits", async () => {
    const action = unique("tool.call");
    // The process's queue, with a batch timer that would not fire during the test.
    (globalThis as Record<symbol, unknown>)[Symbol.for("mcp-orchestrator.audit-queue")] = new AuditQueue(
      () => t.db,
      60_000,
    );
    getAuditQueue(() => t.db).push({ action, outcome: "ok", tool_name: "echo" });
    const count = async () =>
      (await t.db.selectFrom("audit_events").select("id").where("action", "=", action).execute()).length;
    expect(await count()).toBe(0);

    installShutdown();
    // What the app server (scripts/server.mjs) runs on SIGTERM and SIGINT.
    await (globalThis as typeof globalThis & { [SHUTDOWN]?: () => Promise<void> })[SHUTDOWN]?.();
    expect(await count()).toBe(1);
  });
});
