import { flushAuditQueue } from "@/lib/audit/audit-queue";
import { stopAuditRetention } from "@/lib/audit/audit-retention";

const SHUTDOWN = Symbol.for("mcp-orchestrator.shutdown");

/**
 * Offers the app server (scripts/server.mjs) what to finish before the process exits on SIGTERM
 * or SIGINT: audit events still waiting for their batch are written, and audit retention stops
 * after the batch it is deleting.
 */
export function installShutdown(): void {
  (globalThis as typeof globalThis & { [SHUTDOWN]?: () => Promise<void> })[SHUTDOWN] = async () => {
    await Promise.all([flushAuditQueue(), stopAuditRetention()]);
  };
}
