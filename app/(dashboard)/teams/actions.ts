"use server";
import { revalidatePath } from "next/cache";
import { getDb } from "@/db";
import type { TeamRole } from "@/db/schema";
import { requireActor } from "@/lib/auth/session";
import { formValues, runAction } from "@/lib/http/action";
import type { FormState } from "@/lib/http/form-state";
import { createTeam } from "@/lib/teams/create-team";
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
  const values = formValues(form, ["teamId", "email", "role"]);
  return runAction(async () => {
    await addTeamMember(getDb(), await requireActor(), values.teamId ?? "", {
      email: values.email ?? "",
      role: values.role as TeamRole,
    });
    revalidatePath("/teams", "layout");
    return { ok: true, message: `${values.email} is now in the team.` };
  }, values);
}

export async function removeMemberAction(_: FormState, form: FormData): Promise<FormState> {
  const values = formValues(form, ["teamId", "userId"]);
  return runAction(async () => {
    await removeTeamMember(getDb(), await requireActor(), values.teamId ?? "", values.userId ?? "");
    revalidatePath("/teams", "layout");
    return { ok: true, message: "Removed from the team." };
  });
}
