import type { Metadata } from "next";
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import { isAdmin } from "@/lib/auth/actor";
import { requireActor } from "@/lib/auth/session";
import { listUsableGateways, userViewer } from "@/lib/gateway/gateway-access";
import { CreateGatewayForm } from "./gateway-forms";

export const metadata: Metadata = { title: "Gateways" };

export default async function GatewaysPage() {
  const db = getDb();
  const actor = await requireActor();
  const viewer = await userViewer(db, actor);
  const [gateways, teams, counts] = await Promise.all([
    listUsableGateways(db, viewer),
    db.selectFrom("teams").select(["id", "name"]).orderBy("name").execute(),
    db
      .selectFrom("gateway_tool_assignments")
      .select(["gateway_id", (eb) => eb.fn.countAll<string>().as("n")])
      .groupBy("gateway_id")
      .execute(),
  ]);
  const teamName = new Map(teams.map((t) => [t.id, t.name]));
  const adminTeams =
    viewer.kind === "user" ? teams.filter((t) => isAdmin(actor) || viewer.adminTeamIds.includes(t.id)) : [];
  const canCreate = isAdmin(actor) || adminTeams.length > 0;
  return (
    <>
      <PageHeader
        title="Gateways"
        description="A gateway is one MCP endpoint that exposes chosen tools of several servers. Clients connect with a token; each call uses a credential chosen for the caller."
      />
      <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
        <Card>
          {gateways.length === 0 ? (
            <EmptyState title="No gateways yet">
              {canCreate
                ? "Create one with the form beside this list, then choose its tools."
                : "Ask an admin to create one."}
            </EmptyState>
          ) : (
            <Table label="Gateways" head={["Gateway", "For", "Servers"]}>
              {gateways.map((g) => (
                <tr key={g.id}>
                  <Td>
                    <Link href={`/gateways/${g.slug}`} className="font-medium text-indigo-700 hover:underline">
                      {g.name}
                    </Link>
                    <div className="text-xs text-slate-500">/api/mcp/{g.slug}</div>
                  </Td>
                  <Td>
                    {g.owner_team_id ? (
                      <Badge>{`team ${teamName.get(g.owner_team_id)}`}</Badge>
                    ) : (
                      <Badge tone="info">everyone</Badge>
                    )}
                  </Td>
                  <Td>{Number(counts.find((c) => c.gateway_id === g.id)?.n ?? 0)}</Td>
                </tr>
              ))}
            </Table>
          )}
        </Card>
        {canCreate && (
          <Card title="New gateway">
            <CreateGatewayForm teams={adminTeams} canCreateOrgWide={isAdmin(actor)} />
          </Card>
        )}
      </div>
    </>
  );
}
