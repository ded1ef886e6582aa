import type { Metadata } from "next";
import { ActionButton } from "@/components/ui/action-button";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import { orNotFound } from "@/lib/http/page-not-found";
import { listTeamMembers } from "@/db/queries/teams";
import { requireActor } from "@/lib/auth/session";
import { isAdmin } from "@/lib/auth/actor";
import { listTeamInvitations } from "@/lib/teams/invitations";
import { getTeamOrThrow } from "@/lib/teams/team-access";
import { cancelInvitationAction, removeMemberAction } from "../actions";
import { AddMemberForm, RenameTeamForm } from "../team-forms";

export const metadata: Metadata = { title: "Team" };

export default async function TeamPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const actor = await requireActor();
  const db = getDb();
  const access = await orNotFound(getTeamOrThrow(db, actor, slug));
  const { team, canManage } = access;
  const members = await listTeamMembers(db, team.id);
  const invitations = canManage ? await listTeamInvitations(db, actor, team.id) : [];
  const orgAdmin = isAdmin(actor);
  return (
    <>
      <PageHeader title={team.name} description={`${members.length} member${members.length === 1 ? "" : "s"}`} />
      <div className="grid gap-6 lg:grid-cols-[1fr_22rem]">
        <div className="space-y-6">
          <Card title="Members">
            {members.length === 0 ? (
              <EmptyState title="Nobody is in this team yet">
                {canManage ? "Add people by email with the form beside this list." : null}
              </EmptyState>
            ) : (
              <Table label="Members" head={["Name", "Email", "Team role", ""]}>
                {members.map((m) => (
                  <tr key={m.user_id}>
                    <Td className="font-medium">{m.name}</Td>
                    <Td>{m.email}</Td>
                    <Td>
                      <Badge tone={m.role === "admin" ? "info" : "neutral"}>
                        {m.role === "admin" ? "team admin" : "member"}
                      </Badge>
                    </Td>
                    <Td className="text-right">
                      {canManage && (
                        <ActionButton
                          action={removeMemberAction}
                          fields={{ teamId: team.id, userId: m.user_id }}
                          label="Remove"
                          accessibleName={`Remove ${m.name}`}
                          pendingText="Removing…"
                        />
                      )}
                    </Td>
                  </tr>
                ))}
              </Table>
            )}
          </Card>
          {invitations.length > 0 && (
            <Card
              title="Invited"
              description="Not members until they accept; the team's tokens do not use their credentials."
            >
              <Table label="Pending invitations" head={["Name", "Email", "Team role", "Invited by", "Expires", ""]}>
                {invitations.map((i) => (
                  <tr key={i.id}>
                    <Td className="font-medium">{i.name}</Td>
                    <Td>{i.email}</Td>
                    <Td>{i.role === "admin" ? "team admin" : "member"}</Td>
                    <Td>{i.invited_by_name ?? "—"}</Td>
                    <Td className="text-slate-500">{i.expires_at.toISOString().slice(0, 10)}</Td>
                    <Td className="text-right">
                      <ActionButton
                        action={cancelInvitationAction}
                        fields={{ teamId: team.id, invitationId: i.id }}
                        label="Withdraw"
                        accessibleName={`Withdraw the invitation of ${i.name}`}
                        pendingText="Withdrawing…"
                      />
                    </Td>
                  </tr>
                ))}
              </Table>
            </Card>
          )}
        </div>
        {canManage && (
          <div className="space-y-6">
            <Card
              title={orgAdmin ? "Add a member" : "Invite a member"}
              description={
                orgAdmin
                  ? "People need an account first (Users page)."
                  : "People need an account first; ask an admin to create one."
              }
            >
              <AddMemberForm teamId={team.id} orgAdmin={orgAdmin} />
            </Card>
            <Card title="Settings">
              <RenameTeamForm teamId={team.id} name={team.name} />
            </Card>
          </div>
        )}
      </div>
    </>
  );
}
