import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { buttonClass } from "@/components/ui/button-class";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import { listAuditEvents } from "@/db/queries/audit";
import { isAdmin } from "@/lib/auth/actor";
import { requireActor } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Audit" };

const OUTCOMES = ["ok", "error", "denied"] as const;
const INPUT = "rounded-md border-0 px-2 py-1.5 text-sm ring-1 ring-inset ring-slate-300";

export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const actor = await requireActor();
  if (!isAdmin(actor)) notFound();
  const params = await searchParams;
  const outcome = OUTCOMES.find((o) => o === params.outcome);
  const events = await listAuditEvents(getDb(), {
    action: params.action,
    outcome,
    gateway: params.gateway,
    user: params.user,
  });
  return (
    <>
      <PageHeader
        title="Audit"
        description="Who did what: every tool call through a gateway (never its arguments or results) and every change to users, teams, tokens, servers and credentials."
      />
      <Card>
        <form className="mb-4 flex flex-wrap items-end gap-3" aria-label="Filter events">
          <label className="text-sm">
            <span className="block text-slate-600">Action</span>
            <input className={INPUT} name="action" placeholder="tool.call" defaultValue={params.action} />
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
            <input className={INPUT} name="gateway" placeholder="slug" defaultValue={params.gateway} />
          </label>
          <label className="text-sm">
            <span className="block text-slate-600">Person</span>
            <input className={INPUT} name="user" placeholder="email" defaultValue={params.user} />
          </label>
          <button type="submit" className={buttonClass("secondary")}>
            Filter
          </button>
        </form>
        {events.length === 0 ? (
          <EmptyState title="No events match" />
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
      </Card>
    </>
  );
}
