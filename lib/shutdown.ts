import { flushAuditQueue } from "@/lib/audit/audit-queue";

const SHUTDOWN = Symbol.for("mcp-orchestrator.shutdown");

/**
 * Offers the app server (scripts/server.mjs) what to finish before the process exits on SIGTERM
 * or SIGINT: audit events still waiting for their batch are written.
 */
export function installShutdown(): void {
  (globalThis as typeof globalThis & { [SHUTDOWN]?: () => Promise<void> })[SHUTDOWN] = flushAuditQueue;
}
