"use server";
import { revalidatePath } from "next/cache";
import { getDb } from "@/db";
import { requireActor } from "@/lib/auth/session";
import { revokeCredential } from "@/lib/credentials/revoke-credential";
import { setCredentialTeamUse } from "@/lib/credentials/set-team-use";
import { runAction } from "@/lib/http/action";
import type { FormState } from "@/lib/http/form-state";
import { getOrchestrator } from "@/lib/orchestrator";

export async function revokeCredentialAction(_: FormState, form: FormData): Promise<FormState> {
  return runAction(async () => {
    await revokeCredential(getDb(), await requireActor(), String(form.get("credentialId") ?? ""));
    await (await getOrchestrator()).reconciler.trigger().catch(() => {});
    revalidatePath("/credentials");
    return { ok: true };
  });
}

export async function setTeamUseAction(_: FormState, form: FormData): Promise<FormState> {
  return runAction(async () => {
    const teamUse = form.get("teamUse") === "true";
    await setCredentialTeamUse(getDb(), await requireActor(), String(form.get("credentialId") ?? ""), { teamUse });
    revalidatePath("/credentials");
    return { ok: true };
  });
}
