import type { Metadata } from "next";
import Link from "next/link";
import { age, InstanceStatusBadge } from "@/components/orchestrator/instance-status";
import { buttonClass } from "@/components/ui/button-class";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db";
import { orNotFound } from "@/lib/http/page-not-found";
import { requireActor } from "@/lib/auth/session";
import { getOrchestrator } from "@/lib/orchestrator";
import { getInstanceOrThrow, instanceLogs } from "@/lib/orchestrator/instance-access";

export const metadata: Metadata = { title: "Server" };

export default async function ServerPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const actor = await requireActor();
  const instance = await orNotFound(getInstanceOrThrow(getDb(), actor, id));
  const orchestrator = await getOrchestrator();
  const logs = await instanceLogs(orchestrator, instance).catch((err: Error) => [`(logs unavailable: ${err.message})`]);
  const facts: [string, string][] = [
    ["Instance", instance.name],
    ["Runtime", instance.runtime === "process" ? "local process" : "Kubernetes pod"],
    ["Credential", instance.credential_scope === "team" ? `team ${instance.team_name}` : (instance.owner_name ?? "")],
    ["Up for", instance.status === "running" ? age(instance.started_at) : "—"],
    ["Restarts", String(instance.restart_count)],
    ["Last exit code", instance.last_exit_code === null ? "—" : String(instance.last_exit_code)],
  ];
  return (
    <>
      <PageHeader
        title={instance.server_name}
        description={
          <Link href="/servers" className="text-indigo-700 hover:underline">
            ← All servers
          </Link>
        }
        actions={<InstanceStatusBadge status={instance.status} />}
      />
      {instance.status_reason && (
        <p className="mb-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">{instance.status_reason}</p>
      )}
      <div className="grid gap-6 lg:grid-cols-[18rem_1fr]">
        <Card title="Details">
          <dl className="space-y-2 text-sm">
            {facts.map(([k, v]) => (
              <div key={k}>
                <dt className="text-slate-500">{k}</dt>
                <dd className="font-medium text-slate-900 break-all">{v}</dd>
              </div>
            ))}
          </dl>
        </Card>
        <Card
          title="Logs"
          description="The last lines the server wrote (stderr for stdio servers). Secrets are replaced by [redacted]."
          actions={
            <Link href={`/servers/${instance.id}`} className={buttonClass("secondary", "text-xs")}>
              Refresh
            </Link>
          }
        >
          <pre
            data-testid="instance-logs"
            className="max-h-[32rem] overflow-auto rounded-md bg-slate-900 p-4 text-xs leading-relaxed text-slate-100"
          >
            {logs.length ? logs.join("\n") : "(no output yet)"}
          </pre>
        </Card>
      </div>
    </>
  );
}
