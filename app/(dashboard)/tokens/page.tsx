import type { Metadata } from "next";
import { ActionButton } from "@/components/ui/action-button";
import { Badge } from "@/components/ui/badge";
import { SubmitButton } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import {
  type ConnectedAppListing,
  listConnectedApps,
  listSharedTokens,
  listUserTokens,
  type TokenListing,
} from "@/db/queries/tokens";
import { isAdmin } from "@/lib/auth/actor";
import { requireActor } from "@/lib/auth/session";
import { revokeTokenAction, signOutEverywhereAction } from "./actions";
import { RevealedTokenArea, RotateTokenButton } from "./revealed-token";
import { CreateTokenForm } from "./token-forms";

export const metadata: Metadata = { title: "Tokens" };

const when = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace("T", " ") : "—");

function TokenTable({ label, tokens, showOwner }: { label: string; tokens: TokenListing[]; showOwner?: boolean }) {
  const now = new Date();
  return (
    <Table
      label={label}
      head={["Name", ...(showOwner ? ["Acts as"] : []), "Prefix", "Created", "Last used", "Status", ""]}
    >
      {tokens.map((t) => {
        const expired = t.expires_at !== null && t.expires_at <= now;
        return (
          <tr key={t.id}>
            <Td className="font-medium">{t.name}</Td>
            {showOwner && <Td>{t.kind === "org" ? "the organisation" : `team ${t.team_name ?? ""}`}</Td>}
            <Td>
              <code className="text-xs">{t.prefix}…</code>
            </Td>
            <Td className="text-slate-500">{when(t.created_at)}</Td>
            <Td className="text-slate-500">{when(t.last_used_at)}</Td>
            <Td>
              {t.revoked_at ? (
                <Badge tone="danger">revoked</Badge>
              ) : expired ? (
                <Badge tone="warning">expired</Badge>
              ) : (
                <Badge tone="success">active</Badge>
              )}
            </Td>
            <Td className="text-right">
              {!t.revoked_at && (
                <div className="flex flex-col items-end gap-1">
                  <RotateTokenButton tokenId={t.id} name={t.name} />
                  <ActionButton
                    action={revokeTokenAction}
                    fields={{ tokenId: t.id }}
                    label="Revoke"
                    accessibleName={`Revoke ${t.name}`}
                    pendingText="Revoking…"
                  />
                </div>
              )}
            </Td>
          </tr>
        );
      })}
    </Table>
  );
}

/** MCP clients signed in to a gateway: they act as their person until disconnected, and are never rotated. */
function ConnectedAppTable({
  label,
  apps,
  showPerson,
}: {
  label: string;
  apps: ConnectedAppListing[];
  showPerson?: boolean;
}) {
  return (
    <Table
      label={label}
      head={["App", ...(showPerson ? ["Person"] : []), "Gateway", "Connected", "Last used", "Status", ""]}
    >
      {apps.map((a) => (
        <tr key={a.id}>
          <Td>
            <div className="font-medium">{a.name}</div>
            {a.oauth_client_id && <div className="break-all text-xs text-slate-500">{a.oauth_client_id}</div>}
          </Td>
          {showPerson && (
            <Td>
              <div>{a.user_name}</div>
              <div className="text-xs text-slate-500">{a.user_email}</div>
            </Td>
          )}
          <Td>{a.gateway_name ?? "—"}</Td>
          <Td className="text-slate-500">{when(a.created_at)}</Td>
          <Td className="text-slate-500">{when(a.last_used_at)}</Td>
          <Td>{a.revoked_at ? <Badge tone="danger">revoked</Badge> : <Badge tone="success">active</Badge>}</Td>
          <Td className="text-right">
            {!a.revoked_at && (
              <ActionButton
                action={revokeTokenAction}
                fields={{ tokenId: a.id }}
                label="Disconnect"
                accessibleName={`Disconnect ${a.name}`}
                pendingText="Disconnecting…"
              />
            )}
          </Td>
        </tr>
      ))}
    </Table>
  );
}

export default async function TokensPage() {
  const actor = await requireActor();
  const db = getDb();
  const admin = isAdmin(actor);
  const teams = await db
    .selectFrom("teams")
    .leftJoin("team_members", (j) =>
      j.onRef("team_members.team_id", "=", "teams.id").on("team_members.user_id", "=", actor.id),
    )
    .select(["teams.id", "teams.name", "team_members.role"])
    .orderBy("teams.name")
    .execute();
  const adminTeams = teams.filter((t) => admin || t.role === "admin");
  const [mine, shared, apps, allApps] = await Promise.all([
    listUserTokens(db, actor.id),
    listSharedTokens(
      db,
      adminTeams.map((t) => t.id),
      admin,
    ),
    listConnectedApps(db, { userId: actor.id }),
    admin ? listConnectedApps(db, { all: true }) : [],
  ]);
  const owners = [
    { value: "user", label: "Me (personal token)" },
    ...adminTeams.map((t) => ({ value: `team:${t.id}`, label: `Team ${t.name}` })),
    ...(admin ? [{ value: "org", label: "The organisation (org token)" }] : []),
  ];
  return (
    <>
      <PageHeader
        title="Tokens"
        description="Tokens let MCP clients, the CLI and the management API act as you, a team or the organisation. Only a hash is stored: a token is shown once."
      />
      <RevealedTokenArea>
        <div className="grid gap-6 lg:grid-cols-[1fr_22rem]">
          <div className="space-y-6">
            <Card title="Your tokens" description="Act as you: your credentials first at gateways.">
              {mine.length === 0 ? (
                <EmptyState title="No tokens yet">Create one to use the CLI or connect an MCP client.</EmptyState>
              ) : (
                <TokenTable label="Tokens" tokens={mine} />
              )}
            </Card>
            <Card
              title="Connected apps"
              description="MCP clients you signed in to a gateway with. Each acts as you, with your credentials. Disconnect one to end it at once; signing out everywhere ends your browser sessions and disconnects them all."
              actions={
                <form action={signOutEverywhereAction}>
                  <SubmitButton variant="danger" pendingText="Signing out…">
                    Sign out everywhere
                  </SubmitButton>
                </form>
              }
            >
              {apps.length === 0 ? (
                <EmptyState title="No connected apps">
                  Add a gateway's URL to an MCP client that supports sign-in (Claude, VS Code, Cursor…) and approve it
                  here.
                </EmptyState>
              ) : (
                <ConnectedAppTable label="Connected apps" apps={apps} />
              )}
            </Card>
            {owners.length > 1 && (
              <Card
                title="Team and organisation tokens"
                description="Team tokens use the team's credentials, then its members'; the org token uses any."
              >
                {shared.length === 0 ? (
                  <EmptyState title="None yet" />
                ) : (
                  <TokenTable label="Shared tokens" tokens={shared} showOwner />
                )}
              </Card>
            )}
            {admin && (
              <Card
                title="All connected apps"
                description="Everyone's connected apps. Disconnect one to end it at once."
              >
                {allApps.length === 0 ? (
                  <EmptyState title="No connected apps" />
                ) : (
                  <ConnectedAppTable label="All connected apps" apps={allApps} showPerson />
                )}
              </Card>
            )}
          </div>
          <Card title="New token">
            <CreateTokenForm owners={owners} />
          </Card>
        </div>
      </RevealedTokenArea>
    </>
  );
}
