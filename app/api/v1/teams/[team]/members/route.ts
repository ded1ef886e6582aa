import { getDb } from "@/db";
import { api, readJson, requireApiActor } from "@/lib/http/api";
import { addTeamMember } from "@/lib/teams/members";

type Context = { params: Promise<{ team: string }> };

/** What a team admin who is not an org admin meets: the person joins only by accepting. */
const INVITED = "Invited. They join the team when they accept the invitation (Teams page, or the CLI).";

// POST /api/v1/teams/:team/members {email, role?, invite?} - invite a person (team admins), add them (admins), or change a member's role
export const POST = api(async (request, { params }: Context) => {
  const actor = await requireApiActor(request);
  const outcome = await addTeamMember(getDb(), actor, (await params).team, (await readJson(request)) as never);
  if (outcome.kind === "invited") {
    return Response.json({ invitation: outcome.invitation, message: INVITED }, { status: 202 });
  }
  const { userId, role, changed } = outcome;
  return Response.json({ member: { userId, role }, changed }, { status: changed === "added" ? 201 : 200 });
});
