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
import { canSeeCredentialCalls, latestCredentialCalls } from "@/lib/credentials/credential-calls";
import { listVisibleCredentials } from "@/lib/credentials/list-credentials";
import { revokeCredentialAction, setTeamUseAction } from "./actions";

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
  const db = getDb();
  const credentials = await listVisibleCredentials(db, actor);
  const roles = new Map(
    (await db.selectFrom("team_members").select(["team_id", "role"]).where("user_id", "=", actor.id).execute()).map(
      (r) => [r.team_id, r.role],
    ),
  );
  const watched = credentials.filter((c) =>
    canSeeCredentialCalls(actor, c, c.owner_team_id ? (roles.get(c.owner_team_id) ?? null) : null),
  );
  const calls = await latestCredentialCalls(
    db,
    watched.map((c) => c.id),
  );
  const byId = new Map(credentials.map((c) => [c.id, c]));
  const who = (call: (typeof calls)[number]) =>
    call.token_kind === "team"
      ? `team ${call.caller_team_name ?? "?"} token${call.token_name ? ` “${call.token_name}”` : ""}`
      : call.token_kind === "org"
        ? `org token${call.token_name ? ` “${call.token_name}”` : ""}`
        : call.caller_user_id === actor.id
          ? "you"
          : (call.caller_name ?? "someone");
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
          <Table label="Credentials" head={["Server", "Belongs to", "Status", "Team use", "Created", "Last used", ""]}>
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
                <Td>
                  {c.scope === "team" ? (
                    <span className="text-slate-400">the team's</span>
                  ) : (
                    <span className="inline-flex items-center gap-2">
                      <Badge tone={c.team_use ? "info" : "neutral"}>{c.team_use ? "allowed" : "only its owner"}</Badge>
                      {c.owner_user_id === actor.id && c.status !== "revoked" && (
                        <ActionButton
                          action={setTeamUseAction}
                          fields={{ credentialId: c.id, teamUse: String(!c.team_use) }}
                          label={c.team_use ? "Turn off" : "Allow"}
                          accessibleName={`${c.team_use ? "Turn off" : "Allow"} team use of the ${c.server_name} credential`}
                          pendingText="Saving…"
                          variant="secondary"
                        />
                      )}
                    </span>
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
      {watched.length > 0 && (
        <Card
          className="mt-6"
          title="Latest calls with these credentials"
          description="Who used your credentials (and those of the teams you administer) through gateways, newest first. Team use decides whether your teams' tokens may use a personal credential when the team has none of its own."
        >
          {calls.length === 0 ? (
            <EmptyState title="No calls yet">Calls through gateways that use these credentials appear here.</EmptyState>
          ) : (
            <Table
              label="Latest calls"
              head={["When", "Server", "Credential of", "Tool", "Gateway", "Called by", "Outcome"]}
            >
              {calls.map((call, i) => {
                const c = byId.get(call.credential_id);
                return (
                  // biome-ignore lint/suspicious/noArrayIndexKey: audit rows have no better key here
                  <tr key={i}>
                    <Td className="text-slate-500">{when(call.at)}</Td>
                    <Td>{c?.server_name ?? "—"}</Td>
                    <Td>
                      {c
                        ? c.scope === "team"
                          ? `team ${c.team_name}`
                          : c.owner_user_id === actor.id
                            ? "you"
                            : c.owner_name
                        : "—"}
                    </Td>
                    <Td>{call.tool_name ?? "—"}</Td>
                    <Td>{call.gateway_slug ?? "—"}</Td>
                    <Td>{who(call)}</Td>
                    <Td>
                      <Badge
                        tone={call.outcome === "ok" ? "success" : call.outcome === "denied" ? "warning" : "danger"}
                      >
                        {call.outcome}
                      </Badge>
                    </Td>
                  </tr>
                );
              })}
            </Table>
          )}
        </Card>
      )}
    </>
  );
}
