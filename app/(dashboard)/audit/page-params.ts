import { type AuditCursor, type AuditFilter, parseAuditCursor } from "@/db/queries/audit";

export const OUTCOMES = ["ok", "error", "denied"] as const;

export interface AuditPageParams {
  filter: AuditFilter;
  before?: AuditCursor;
  after?: AuditCursor;
  /** A page link was given but is not one (edited by hand, out of date): the newest page is shown. */
  badCursor: boolean;
}

/** A query parameter given once; a repeated one (an array), an overlong one or none is ignored. */
const one = (value: string | string[] | undefined): string | undefined =>
  typeof value === "string" && value.length <= 200 ? value : undefined;

/** The Audit page's query string, read without ever failing: what is not understood is left out. */
export function parseAuditPageParams(params: Record<string, string | string[] | undefined>): AuditPageParams {
  const filter: AuditFilter = {
    action: one(params.action) || undefined,
    outcome: OUTCOMES.find((o) => o === one(params.outcome)),
    gateway: one(params.gateway) || undefined,
    user: one(params.user) || undefined,
  };
  const before = parseAuditCursor(one(params.before)) ?? undefined;
  const after = before ? undefined : (parseAuditCursor(one(params.after)) ?? undefined);
  const badCursor = (params.before !== undefined && !before) || (params.after !== undefined && !before && !after);
  return { filter, before, after, badCursor };
}
