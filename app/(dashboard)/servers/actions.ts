"use server";
import { revalidatePath } from "next/cache";
import { getDb } from "@/db";
import { requireActor } from "@/lib/auth/session";
import { runAction } from "@/lib/http/action";
import type { FormState } from "@/lib/http/form-state";
import { getOrchestrator } from "@/lib/orchestrator";
import { actOnInstance, type InstanceAction } from "@/lib/orchestrator/instance-access";

const ACTIONS: InstanceAction[] = ["restart", "stop", "start"];

export async function instanceAction(_: FormState, form: FormData): Promise<FormState> {
  return runAction(async () => {
    const action = String(form.get("action")) as InstanceAction;
    if (!ACTIONS.includes(action)) return { ok: false, message: "Unknown action." };
    const id = String(form.get("instanceId") ?? "");
    await actOnInstance(getDb(), await getOrchestrator(), await requireActor(), id, action);
    revalidatePath("/servers", "layout");
    return { ok: true };
  });
}
