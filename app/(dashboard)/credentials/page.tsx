import type { Metadata } from "next";
import Link from "next/link";
import { ActionButton } from "@/components/ui/action-button";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import type { CredentialStatus } from "@/db/schema";
import { requireActor } from "@/lib/auth/session";
import { listVisibleCredentials } from "@/lib/credentials/list-credentials";
import { revokeCredentialAction } from "./actions";

export const metadata: Metadata = { title: "Credentials" };

const TONE: Record<CredentialStatus, BadgeTone> = {
  active: "success",
  expiring: "warning",
  needs_reauth: "warning",
  revoked: "neutral",
  error: "danger",
};
const when = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace("T", " ") : "—");

export default async function CredentialsPage() {
  const actor = await requireActor();
  const credentials = await listVisibleCredentials(getDb(), actor);
  return (
    <>
      <PageHeader
        title="Credentials"
        description="Your connections to servers, and your teams'. Values are stored encrypted and never shown. Revoking one stops its server instance and gateways treat it as missing."
      />
      <Card>
        {credentials.length === 0 ? (
          <EmptyState
            title="No credentials yet"
            action={
              <Link className="font-medium text-indigo-700 underline" href="/registry">
                Open the registry
              </Link>
            }
          >
            Connect a server from the registry to use it through gateways.
          </EmptyState>
        ) : (
          <Table label="Credentials" head={["Server", "Belongs to", "Status", "Created", "Last used", ""]}>
            {credentials.map((c) => (
              <tr key={c.id}>
                <Td>
                  <Link href={`/registry/${c.server_slug}`} className="font-medium text-indigo-700 hover:underline">
                    {c.server_name}
                  </Link>
                </Td>
                <Td>
                  {c.scope === "team" ? `team ${c.team_name}` : c.owner_user_id === actor.id ? "you" : c.owner_name}
                </Td>
                <Td>
                  <Badge tone={TONE[c.status]}>{c.status.replace("_", " ")}</Badge>
                  {c.status_reason && (
                    <div className="mt-1 max-w-xs text-xs text-slate-500 break-words">{c.status_reason}</div>
                  )}
                  {c.status === "needs_reauth" && (
                    <Link
                      href={`/registry/${c.server_slug}?reauth=1`}
                      className="ml-2 text-xs text-indigo-700 underline"
                    >
                      Re-authenticate
                    </Link>
                  )}
                </Td>
                <Td className="text-slate-500">{when(c.created_at)}</Td>
                <Td className="text-slate-500">{when(c.last_used_at)}</Td>
                <Td className="text-right">
                  {c.status !== "revoked" && (
                    <ActionButton
                      action={revokeCredentialAction}
                      fields={{ credentialId: c.id }}
                      label="Revoke"
                      accessibleName={`Revoke ${c.server_name} credential`}
                      pendingText="Revoking…"
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
