import type { Database } from "@/db";
import type { AuditEventsTable } from "@/db/schema";
import type { Insertable } from "kysely";
import { getLogger } from "@/lib/log";

export type AuditInput = Omit<Insertable<AuditEventsTable>, "details" | "at" | "id"> & {
  details?: Record<string, unknown>;
};

/** An audit event as it is written: every column but the id, stamped when it happened. */
export type AuditRow = Required<Omit<Insertable<AuditEventsTable>, "id" | "at" | "details">> & {
  at: Date;
  details: string;
};

/** Longest error message kept: upstream servers choose what they send. */
const MAX_ERROR_CHARS = 2000;

/** PostgreSQL text cannot hold NUL; one in a message must not fail the write it is in. */
const text = <T extends string | null | undefined>(value: T): T =>
  (typeof value === "string" ? value.replaceAll("\u0000", "\uFFFD") : value) as T;

/** The row an event is written as, whichever way it is written. */
export function auditRow(event: AuditInput, at: Date): AuditRow {
  return {
    at,
    action: text(event.action),
    outcome: event.outcome,
    actor_user_id: event.actor_user_id ?? null,
    actor_token_id: event.actor_token_id ?? null,
    token_kind: event.token_kind ?? null,
    team_id: event.team_id ?? null,
    gateway_id: event.gateway_id ?? null,
    catalog_item_id: event.catalog_item_id ?? null,
    credential_id: event.credential_id ?? null,
    tool_name: text(event.tool_name ?? null),
    duration_ms: event.duration_ms ?? null,
    error: text(event.error?.slice(0, MAX_ERROR_CHARS) ?? null),
    details: text(JSON.stringify(event.details ?? {})),
  };
}

/** Records who did what. Never pass secrets in details. A failed write is logged, not thrown. */
export async function recordEvent(db: Database, event: AuditInput): Promise<void> {
  try {
    await db.insertInto("audit_events").values(auditRow(event, new Date())).execute();
  } catch (err) {
    getLogger().error({ err, action: event.action }, "audit write failed");
  }
}
