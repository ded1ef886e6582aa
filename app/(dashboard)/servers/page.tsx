import type { Metadata } from "next";
import Link from "next/link";
import { age, InstanceStatusBadge } from "@/components/orchestrator/instance-status";
import { ActionButton } from "@/components/ui/action-button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import { requireActor } from "@/lib/auth/session";
import { getOrchestrator } from "@/lib/orchestrator";
import { listVisibleInstances } from "@/lib/orchestrator/instance-access";
import { instanceAction } from "./actions";

export const metadata: Metadata = { title: "Servers" };

export default async function ServersPage() {
  const actor = await requireActor();
  const [instances, orchestrator] = await Promise.all([listVisibleInstances(getDb(), actor), getOrchestrator()]);
  const isolation = await orchestrator.runtime.isolation?.();
  return (
    <>
      <PageHeader
        title="Servers"
        description="Every running copy of a local MCP server: one per server and credential. They restart by themselves after a crash."
      />
      {orchestrator.runtime.kind === "process" && (
        <p className="mb-4 rounded-md bg-indigo-50 px-3 py-2 text-sm text-indigo-800" data-testid="runtime-mode">
          Single-machine mode: servers run as local processes of this app. Configure a Kubernetes cluster to run them as
          pods.{" "}
          {isolation?.mode === "bubblewrap" &&
            "Each server runs sandboxed with bubblewrap: it sees only its own directory."}
          {isolation?.mode === "user" && "Each server runs as a user of its own: it cannot read this app's files."}
        </p>
      )}
      {isolation?.warning && (
        <p
          role="alert"
          className="mb-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900"
          data-testid="sandbox-warning"
        >
          {isolation.warning}
        </p>
      )}
      {orchestrator.reconciler.unavailable && (
        <p role="alert" className="mb-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {orchestrator.reconciler.unavailable}
        </p>
      )}
      <Card>
        {instances.length === 0 ? (
          <EmptyState title="No servers are running">
            A server starts here when someone installs a local MCP server from the registry with their credential.
          </EmptyState>
        ) : (
          <Table label="Servers" head={["Server", "Credential", "Runtime", "Status", "Up", "Restarts", ""]}>
            {instances.map((i) => (
              <tr key={i.id}>
                <Td>
                  <Link href={`/servers/${i.id}`} className="font-medium text-indigo-700 hover:underline">
                    {i.server_name}
                  </Link>
                  <div className="text-xs text-slate-500">{i.name}</div>
                </Td>
                <Td>{i.credential_scope === "team" ? `team ${i.team_name}` : (i.owner_name ?? i.owner_email)}</Td>
                <Td>{i.runtime === "process" ? "process" : "pod"}</Td>
                <Td>
                  <InstanceStatusBadge status={i.status} />
                  {i.status_reason && <div className="mt-1 max-w-xs text-xs text-slate-500">{i.status_reason}</div>}
                </Td>
                <Td className="text-slate-500">{i.status === "running" ? age(i.started_at) : "—"}</Td>
                <Td>{i.restart_count}</Td>
                <Td className="space-x-2 whitespace-nowrap text-right">
                  {i.canManage && i.desired_state === "running" && (
                    <>
                      <ActionButton
                        action={instanceAction}
                        fields={{ instanceId: i.id, action: "restart" }}
                        label="Restart"
                        variant="secondary"
                        accessibleName={`Restart ${i.name}`}
                        pendingText="Restarting…"
                      />
                      <ActionButton
                        action={instanceAction}
                        fields={{ instanceId: i.id, action: "stop" }}
                        label="Stop"
                        accessibleName={`Stop ${i.name}`}
                        pendingText="Stopping…"
                      />
                    </>
                  )}
                  {i.canManage && i.desired_state === "stopped" && (
                    <ActionButton
                      action={instanceAction}
                      fields={{ instanceId: i.id, action: "start" }}
                      label="Start"
                      variant="secondary"
                      accessibleName={`Start ${i.name}`}
                      pendingText="Starting…"
                    />
                  )}
                </Td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
    </>
  );
}
