import { sql } from "kysely";
import type { Database } from "@/db";

export interface AuditFilter {
  action?: string;
  outcome?: "ok" | "error" | "denied";
  gateway?: string;
  user?: string;
}

/**
 * A place in the audit log: an event's time to the microsecond (as PostgreSQL keeps it; a
 * JavaScript Date would round it to the millisecond) and its id, which orders events of the same
 * time. Written in links as `<at>_<id>`.
 */
export interface AuditCursor {
  at: string;
  id: string;
}

export interface AuditPageQuery extends AuditFilter {
  /** Events older than this one (the next page); without a cursor, the newest events. */
  before?: AuditCursor;
  /** Events newer than this one (the previous page). */
  after?: AuditCursor;
  /** Events a page; 1 to 200. */
  limit?: number;
}

export const AUDIT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;

const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)_([1-9]\d{0,17})$/;

/** A cursor from a link, or null when the text is not one (a link edited by hand, a stale format). */
export function parseAuditCursor(text: string | undefined): AuditCursor | null {
  const match = text ? CURSOR.exec(text) : null;
  if (!match?.[1] || !match[2]) return null;
  const at = match[1];
  // A date that does not exist (month 13, February 30) would fail in the database instead.
  const ms = new Date(`${at.slice(0, 23)}Z`);
  if (Number.isNaN(ms.getTime()) || ms.toISOString() !== `${at.slice(0, 23)}Z`) return null;
  return { at, id: match[2] };
}

export const formatAuditCursor = (cursor: AuditCursor): string => `${cursor.at}_${cursor.id}`;

/** The key every page is ordered by, as text to the microsecond in UTC. */
const AT_KEY = sql<string>`to_char(e.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

function filtered(db: Database, filter: AuditFilter) {
  let q = db
    .selectFrom("audit_events as e")
    .leftJoin("users as u", "u.id", "e.actor_user_id")
    .leftJoin("gateways as g", "g.id", "e.gateway_id");
  if (filter.action) q = q.where("e.action", "like", `${filter.action.replace(/[%_\\]/g, "")}%`);
  if (filter.outcome) q = q.where("e.outcome", "=", filter.outcome);
  if (filter.gateway) q = q.where("g.slug", "=", filter.gateway);
  if (filter.user) q = q.where("u.email", "ilike", `%${filter.user.replace(/[%_\\]/g, "")}%`);
  return q;
}

const older = (c: AuditCursor) => sql<boolean>`(e.at, e.id) < (${c.at}::timestamptz, ${c.id}::bigint)`;
const newer = (c: AuditCursor) => sql<boolean>`(e.at, e.id) > (${c.at}::timestamptz, ${c.id}::bigint)`;

/**
 * One page of audit events, newest first, with the names behind their ids. Keyset pagination on
 * (at, id): a page costs the same near the end of a large log as at its start (an index walk, no
 * OFFSET), and events written while someone pages are neither skipped nor shown twice.
 * `older` and `newer` are the cursors of the next and previous pages, null where there is none.
 */
export async function listAuditEvents(db: Database, query: AuditPageQuery) {
  const limit = Math.max(1, Math.min(Math.trunc(query.limit ?? AUDIT_PAGE_SIZE) || AUDIT_PAGE_SIZE, MAX_PAGE_SIZE));
  // Going back a page reads upwards from the cursor, then shows those events newest first.
  const backwards = !query.before && Boolean(query.after);
  let q = filtered(db, query)
    .leftJoin("catalog_items as item", "item.id", "e.catalog_item_id")
    .leftJoin("teams as t", "t.id", "e.team_id")
    .select([
      "e.id",
      "e.at",
      AT_KEY.as("at_key"),
      "e.action",
      "e.outcome",
      "e.token_kind",
      "e.tool_name",
      "e.duration_ms",
      "e.error",
      "e.credential_id",
      "u.email as user_email",
      "g.slug as gateway_slug",
      "item.slug as server_slug",
      "t.name as team_name",
    ])
    .orderBy("e.at", backwards ? "asc" : "desc")
    .orderBy("e.id", backwards ? "asc" : "desc")
    .limit(limit + 1);
  if (query.before) q = q.where(older(query.before));
  else if (query.after) q = q.where(newer(query.after));
  const rows = await q.execute();
  const more = rows.length > limit;
  const page = rows.slice(0, limit).map((r) => ({ ...r, id: String(r.id) }));
  if (backwards) page.reverse();
  const first = page[0];
  const last = page.at(-1);
  const cursorOf = (r: (typeof page)[number]): AuditCursor => ({ at: r.at_key, id: r.id });

  // Whether there is anything on the side this page was not read towards (one index probe).
  const exists = async (where: ReturnType<typeof older>) =>
    Boolean(await filtered(db, query).select("e.id").where(where).limit(1).executeTakeFirst());
  if (!first || !last) return { events: page, older: null, newer: null };
  const hasOlder = backwards ? await exists(older(cursorOf(last))) : more;
  const hasNewer = backwards ? more : query.before ? await exists(newer(cursorOf(first))) : false;
  return {
    events: page,
    older: hasOlder ? cursorOf(last) : null,
    newer: hasNewer ? cursorOf(first) : null,
  };
}
