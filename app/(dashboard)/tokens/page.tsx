import type { Metadata } from "next";
import { ActionButton } from "@/components/ui/action-button";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import { listUserTokens } from "@/db/queries/tokens";
import { requireActor } from "@/lib/auth/session";
import { revokeTokenAction } from "./actions";
import { CreateTokenForm } from "./token-forms";

export const metadata: Metadata = { title: "Tokens" };

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace("T", " ") : "—");

export default async function TokensPage() {
  const actor = await requireActor();
  const tokens = await listUserTokens(getDb(), actor.id);
  const now = new Date();
  return (
    <>
      <PageHeader
        title="Tokens"
        description="Personal access tokens act as you, for the CLI, the management API and MCP clients. Only a hash is stored: a token is shown once."
      />
      <div className="grid gap-6 lg:grid-cols-[1fr_22rem]">
        <Card title="Your tokens">
          {tokens.length === 0 ? (
            <EmptyState title="No tokens yet">Create one to use the CLI or connect an MCP client.</EmptyState>
          ) : (
            <Table label="Tokens" head={["Name", "Prefix", "Created", "Last used", "Status", ""]}>
              {tokens.map((t) => {
                const expired = t.expires_at !== null && t.expires_at <= now;
                return (
                  <tr key={t.id}>
                    <Td className="font-medium">{t.name}</Td>
                    <Td>
                      <code className="text-xs">{t.prefix}…</code>
                    </Td>
                    <Td className="text-slate-500">{day(t.created_at)}</Td>
                    <Td className="text-slate-500">{day(t.last_used_at)}</Td>
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
                        <ActionButton
                          action={revokeTokenAction}
                          fields={{ tokenId: t.id }}
                          label="Revoke"
                          accessibleName={`Revoke ${t.name}`}
                          pendingText="Revoking…"
                        />
                      )}
                    </Td>
                  </tr>
                );
              })}
            </Table>
          )}
        </Card>
        <Card title="New token">
          <CreateTokenForm />
        </Card>
      </div>
    </>
  );
}
