import type { Metadata } from "next";
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import { listTeams } from "@/db/queries/teams";
import { isAdmin } from "@/lib/auth/actor";
import { requireActor } from "@/lib/auth/session";
import { ActionButton } from "@/components/ui/action-button";
import { listMyInvitations } from "@/lib/teams/invitations";
import { acceptInvitationAction, declineInvitationAction } from "./actions";
import { CreateTeamForm } from "./team-forms";

export const metadata: Metadata = { title: "Teams" };

export default async function TeamsPage() {
  const actor = await requireActor();
  const admin = isAdmin(actor);
  const teams = await listTeams(getDb(), actor.id, { all: admin });
  const invitations = await listMyInvitations(getDb(), actor);
  return (
    <>
      <PageHeader
        title="Teams"
        description={
          admin
            ? "Every team in the organisation. Team credentials and gateways are shared by a team's members."
            : "The teams you belong to. Team credentials and gateways are shared by a team's members."
        }
      />
      {invitations.length > 0 && (
        <Card
          className="mb-6"
          title="Invitations"
          description="You are not in these teams until you accept. Once you are, the team's tokens may use your personal credentials, unless you keep a credential out of team use on the Credentials page."
        >
          <Table label="Invitations" head={["Team", "Role", "Invited by", ""]}>
            {invitations.map((i) => (
              <tr key={i.id}>
                <Td className="font-medium">{i.team_name}</Td>
                <Td>{i.role === "admin" ? "team admin" : "member"}</Td>
                <Td>{i.invited_by_name ?? "—"}</Td>
                <Td className="space-x-2 text-right">
                  <ActionButton
                    action={acceptInvitationAction}
                    fields={{ invitationId: i.id }}
                    label="Accept"
                    accessibleName={`Accept the invitation to ${i.team_name}`}
                    pendingText="Joining…"
                    variant="primary"
                  />
                  <ActionButton
                    action={declineInvitationAction}
                    fields={{ invitationId: i.id }}
                    label="Decline"
                    accessibleName={`Decline the invitation to ${i.team_name}`}
                    pendingText="Declining…"
                    variant="secondary"
                  />
                </Td>
              </tr>
            ))}
          </Table>
        </Card>
      )}
      <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
        <Card>
          {teams.length === 0 ? (
            <EmptyState title="No teams yet">
              {admin
                ? "Create the first team with the form beside this list."
                : "Ask a team admin to invite you; their invitation appears here to accept."}
            </EmptyState>
          ) : (
            <Table label="Teams" head={["Team", "Members", "Your role"]}>
              {teams.map((t) => (
                <tr key={t.id}>
                  <Td>
                    <Link href={`/teams/${t.slug}`} className="font-medium text-indigo-700 hover:underline">
                      {t.name}
                    </Link>
                  </Td>
                  <Td>{t.member_count}</Td>
                  <Td>
                    {t.my_role ? (
                      <Badge tone={t.my_role === "admin" ? "info" : "neutral"}>
                        {t.my_role === "admin" ? "team admin" : "member"}
                      </Badge>
                    ) : (
                      <span className="text-slate-400">not a member</span>
                    )}
                  </Td>
                </tr>
              ))}
            </Table>
          )}
        </Card>
        {admin && (
          <Card title="New team">
            <CreateTeamForm />
          </Card>
        )}
      </div>
    </>
  );
}
