import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { buttonClass } from "@/components/ui/button-class";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import { type AuditCursor, formatAuditCursor, listAuditEvents } from "@/db/queries/audit";
import { isAdmin } from "@/lib/auth/actor";
import { getEnv } from "@/lib/env";
import { requireActor } from "@/lib/auth/session";
import { OUTCOMES, parseAuditPageParams } from "./page-params";

export const metadata: Metadata = { title: "Audit" };

const INPUT = "rounded-md border-0 px-2 py-1.5 text-sm ring-1 ring-inset ring-slate-300";

export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const actor = await requireActor();
  if (!isAdmin(actor)) notFound();
  const { filter, before, after, badCursor } = parseAuditPageParams(await searchParams);
  const outcome = filter.outcome;
  const { events, older, newer } = await listAuditEvents(getDb(), {
    ...filter,
    before,
    after,
  });
  const pageHref = (cursor: { before?: AuditCursor; after?: AuditCursor }) => {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(filter)) if (value) query.set(name, value);
    if (cursor.before) query.set("before", formatAuditCursor(cursor.before));
    if (cursor.after) query.set("after", formatAuditCursor(cursor.after));
    const text = query.toString();
    return text ? `/audit?${text}` : "/audit";
  };
  const paged = Boolean(before || after);
  const retentionDays = getEnv().ARCHESTRA_AUDIT_RETENTION_DAYS;
  return (
    <>
      <PageHeader
        title="Audit"
        description={`Who did what: every tool call through a gateway (never its arguments or results) and every change to users, teams, tokens, servers and credentials. ${
          retentionDays > 0
            ? `Events are kept for ${retentionDays} days (ARCHESTRA_AUDIT_RETENTION_DAYS).`
            : "Events are kept forever (ARCHESTRA_AUDIT_RETENTION_DAYS=0)."
        }`}
      />
      <Card>
        <form className="mb-4 flex flex-wrap items-end gap-3" aria-label="Filter events">
          <label className="text-sm">
            <span className="block text-slate-600">Action</span>
            <input className={INPUT} name="action" placeholder="tool.call" defaultValue={filter.action} />
          </label>
          <label className="text-sm">
            <span className="block text-slate-600">Outcome</span>
            <select className={INPUT} name="outcome" defaultValue={outcome ?? ""}>
              <option value="">any</option>
              {OUTCOMES.map((o) => (
                <option key={o}>{o}</option>
              ))}
            </select>
          </label>
          <label className="text-sm">
            <span className="block text-slate-600">Gateway</span>
            <input className={INPUT} name="gateway" placeholder="slug" defaultValue={filter.gateway} />
          </label>
          <label className="text-sm">
            <span className="block text-slate-600">Person</span>
            <input className={INPUT} name="user" placeholder="email" defaultValue={filter.user} />
          </label>
          <button type="submit" className={buttonClass("secondary")}>
            Filter
          </button>
        </form>
        {badCursor && (
          <p role="status" className="mb-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800">
            That page link is not valid (edited or out of date): showing the newest events.
          </p>
        )}
        {events.length === 0 ? (
          <EmptyState
            title="No events match"
            action={
              paged ? (
                <Link className={buttonClass("secondary")} href={pageHref({})}>
                  Newest events
                </Link>
              ) : undefined
            }
          >
            {paged ? "There are no more events in this direction." : undefined}
          </EmptyState>
        ) : (
          <Table label="Audit events" head={["When", "Action", "Who", "Gateway", "Server / tool", "Outcome", "ms"]}>
            {events.map((e) => (
              <tr key={e.id}>
                <Td className="whitespace-nowrap text-slate-500">
                  {e.at.toISOString().replace("T", " ").slice(0, 19)}
                </Td>
                <Td>
                  <code className="text-xs">{e.action}</code>
                </Td>
                <Td>
                  {e.user_email ??
                    (e.token_kind === "team"
                      ? `team ${e.team_name ?? ""}`
                      : e.token_kind === "org"
                        ? "org token"
                        : "—")}
                </Td>
                <Td>{e.gateway_slug ?? "—"}</Td>
                <Td>{e.server_slug ? `${e.server_slug}${e.tool_name ? ` / ${e.tool_name}` : ""}` : "—"}</Td>
                <Td>
                  <Badge tone={e.outcome === "ok" ? "success" : e.outcome === "denied" ? "warning" : "danger"}>
                    {e.outcome}
                  </Badge>
                  {e.error && <div className="max-w-xs text-xs text-slate-500">{e.error}</div>}
                </Td>
                <Td>{e.duration_ms ?? ""}</Td>
              </tr>
            ))}
          </Table>
        )}
        {(newer || older) && (
          <nav aria-label="Audit pages" className="mt-4 flex items-center justify-between gap-3 text-sm">
            {newer ? (
              <Link className={buttonClass("secondary")} href={pageHref({ after: newer })} rel="prev">
                ← Newer events
              </Link>
            ) : (
              <span />
            )}
            {older ? (
              <Link className={buttonClass("secondary")} href={pageHref({ before: older })} rel="next">
                Older events →
              </Link>
            ) : (
              <span />
            )}
          </nav>
        )}
      </Card>
    </>
  );
}
