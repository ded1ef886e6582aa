import Link from "next/link";
import { Card } from "@/components/ui/card";
import { buttonClass } from "@/components/ui/button-class";
import { PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db";
import { listTeams } from "@/db/queries/teams";
import { isAdmin } from "@/lib/auth/actor";
import { requireActor } from "@/lib/auth/session";
import { listMyInvitations } from "@/lib/teams/invitations";

export default async function OverviewPage() {
  const actor = await requireActor();
  const teams = await listTeams(getDb(), actor.id, { all: false });
  const admin = isAdmin(actor);
  const invitations = await listMyInvitations(getDb(), actor);
  return (
    <>
      <PageHeader
        title={`Welcome, ${actor.name}`}
        description="Run MCP servers for your organisation, connect your credentials to them, and reach everything through one authenticated endpoint."
      />
      {invitations.length > 0 && (
        <p className="mb-6 rounded-md bg-indigo-50 px-4 py-3 text-sm text-indigo-900" role="note">
          You are invited to {invitations.map((i) => i.team_name).join(", ")}. You join a team when you accept:{" "}
          <Link className="font-medium underline" href="/teams">
            review your invitations
          </Link>
          .
        </p>
      )}
      <div className="grid gap-6 md:grid-cols-2">
        <Card title="Your teams" description="Team credentials and gateways are shared by everyone in the team.">
          {teams.length === 0 ? (
            <p className="text-sm text-slate-600">
              You are not in a team yet.{" "}
              {admin ? (
                <Link className="font-medium text-indigo-700 underline" href="/teams">
                  Create one
                </Link>
              ) : (
                "Ask a team admin to invite you."
              )}
            </p>
          ) : (
            <ul className="space-y-1 text-sm">
              {teams.map((t) => (
                <li key={t.id}>
                  <Link className="font-medium text-indigo-700 hover:underline" href={`/teams/${t.slug}`}>
                    {t.name}
                  </Link>{" "}
                  <span className="text-slate-500">({t.my_role === "admin" ? "team admin" : "member"})</span>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Scripting" description="Everything here can also be done from a shell.">
          <p className="text-sm text-slate-600">
            Create a personal access token, then use the CLI (<code>npm run cli -- help</code>) or the management API.
          </p>
          <Link href="/tokens" className={buttonClass("secondary", "mt-3")}>
            Manage tokens
          </Link>
        </Card>
      </div>
    </>
  );
}
