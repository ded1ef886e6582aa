"use server";
import { revalidatePath } from "next/cache";
import { getDb } from "@/db";
import type { TeamRole } from "@/db/schema";
import { requireActor } from "@/lib/auth/session";
import { formValues, runAction } from "@/lib/http/action";
import type { FormState } from "@/lib/http/form-state";
import { createTeam } from "@/lib/teams/create-team";
import { acceptInvitation, cancelInvitation, declineInvitation } from "@/lib/teams/invitations";
import { addTeamMember, removeTeamMember } from "@/lib/teams/members";
import { renameTeam } from "@/lib/teams/rename-team";

export async function createTeamAction(_: FormState, form: FormData): Promise<FormState> {
  const values = formValues(form, ["name"]);
  return runAction(async () => {
    const team = await createTeam(getDb(), await requireActor(), { name: values.name ?? "" });
    revalidatePath("/teams");
    return { ok: true, message: `Team “${team.name}” created.` };
  }, values);
}

export async function renameTeamAction(_: FormState, form: FormData): Promise<FormState> {
  const values = formValues(form, ["teamId", "name"]);
  return runAction(async () => {
    const team = await renameTeam(getDb(), await requireActor(), values.teamId ?? "", { name: values.name ?? "" });
    revalidatePath(`/teams/${team.slug}`);
    return { ok: true, message: "Team renamed." };
  }, values);
}

export async function addMemberAction(_: FormState, form: FormData): Promise<FormState> {
  const values = formValues(form, ["teamId", "email", "role", "invite"]);
  return runAction(async () => {
    const outcome = await addTeamMember(getDb(), await requireActor(), values.teamId ?? "", {
      email: values.email ?? "",
      role: values.role as TeamRole,
      invite: values.invite === "on",
    });
    revalidatePath("/teams", "layout");
    if (outcome.kind === "invited") {
      return {
        ok: true,
        message: `${values.email} is invited. They join the team when they accept the invitation on their Teams page (or with the CLI).`,
      };
    }
    if (outcome.changed === "role") return { ok: true, message: `${values.email} is now ${roleName(outcome.role)}.` };
    if (outcome.changed === "unchanged") return { ok: true, message: `${values.email} is already in the team.` };
    return { ok: true, message: `${values.email} is now in the team.` };
  }, values);
}

const roleName = (role: TeamRole) => (role === "admin" ? "a team admin" : "a member");

export async function acceptInvitationAction(_: FormState, form: FormData): Promise<FormState> {
  return runAction(async () => {
    await acceptInvitation(getDb(), await requireActor(), String(form.get("invitationId") ?? ""));
    revalidatePath("/", "layout");
    return { ok: true, message: "You joined the team." };
  });
}

export async function declineInvitationAction(_: FormState, form: FormData): Promise<FormState> {
  return runAction(async () => {
    await declineInvitation(getDb(), await requireActor(), String(form.get("invitationId") ?? ""));
    revalidatePath("/teams");
    return { ok: true, message: "Invitation declined." };
  });
}

export async function cancelInvitationAction(_: FormState, form: FormData): Promise<FormState> {
  const values = formValues(form, ["teamId", "invitationId"]);
  return runAction(async () => {
    await cancelInvitation(getDb(), await requireActor(), values.teamId ?? "", values.invitationId ?? "");
    revalidatePath("/teams", "layout");
    return { ok: true, message: "Invitation withdrawn." };
  });
}

export async function removeMemberAction(_: FormState, form: FormData): Promise<FormState> {
  const values = formValues(form, ["teamId", "userId"]);
  return runAction(async () => {
    await removeTeamMember(getDb(), await requireActor(), values.teamId ?? "", values.userId ?? "");
    revalidatePath("/teams", "layout");
    return { ok: true, message: "Removed from the team." };
  });
}
