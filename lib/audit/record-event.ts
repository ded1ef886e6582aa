import type { Database } from "@/db";
import type { AuditEventsTable } from "@/db/schema";
import type { Insertable } from "kysely";
import { getLogger } from "@/lib/log";

export type AuditInput = Omit<Insertable<AuditEventsTable>, "details" | "at" | "id"> & {
  details?: Record<string, unknown>;
};

/** Records who did what. Never pass secrets in details. A failed write is logged, not thrown. */
export async function recordEvent(db: Database, event: AuditInput): Promise<void> {
  try {
    await db
      .insertInto("audit_events")
      .values({ ...event, details: JSON.stringify(event.details ?? {}) })
      .execute();
  } catch (err) {
    getLogger().error({ err, action: event.action }, "audit write failed");
  }
}
