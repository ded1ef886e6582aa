"use server";
import { revalidatePath } from "next/cache";
import { getDb } from "@/db";
import { requireActor } from "@/lib/auth/session";
import { createGateway } from "@/lib/gateway/create-gateway";
import { assignmentsFromForm } from "@/lib/gateway/editor-data";
import { userViewer } from "@/lib/gateway/gateway-access";
import { liveResourceListing } from "@/lib/gateway/live-resource-listing";
import { saveAssignments } from "@/lib/gateway/save-assignments";
import { formValues, runAction } from "@/lib/http/action";
import type { FormState } from "@/lib/http/form-state";

export async function createGatewayAction(_: FormState, form: FormData): Promise<FormState> {
  const values = formValues(form, ["name", "teamId"]);
  return runAction(async () => {
    const db = getDb();
    const gateway = await createGateway(db, await userViewer(db, await requireActor()), {
      name: values.name ?? "",
      ...(values.teamId ? { teamId: values.teamId } : {}),
    });
    revalidatePath("/gateways");
    return { ok: true, message: `Gateway “${gateway.name}” created.`, reveal: gateway.slug };
  }, values);
}

export async function saveAssignmentsAction(_: FormState, form: FormData): Promise<FormState> {
  return runAction(async () => {
    const db = getDb();
    const slug = String(form.get("gateway") ?? "");
    const servers = (await db.selectFrom("catalog_items").select("id").execute()).map((s) => ({ id: s.id }));
    const count = await saveAssignments(
      db,
      await userViewer(db, await requireActor()),
      slug,
      { assignments: assignmentsFromForm(form, servers) },
      { listResources: (item, credentialId) => liveResourceListing(db, item, credentialId) },
    );
    revalidatePath(`/gateways/${slug}`);
    return { ok: true, message: `Saved: ${count} server${count === 1 ? "" : "s"} assigned.` };
  });
}
