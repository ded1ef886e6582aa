"use server";
import { revalidatePath } from "next/cache";
import { getDb } from "@/db";
import { requireActor } from "@/lib/auth/session";
import { revokeCredential } from "@/lib/credentials/revoke-credential";
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
