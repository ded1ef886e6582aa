"use server";
import { revalidatePath } from "next/cache";
import { getDb } from "@/db";
import { requireActor } from "@/lib/auth/session";
import { formValues, runAction } from "@/lib/http/action";
import type { FormState } from "@/lib/http/form-state";
import { createUserToken } from "@/lib/tokens/create-token";
import { revokeToken } from "@/lib/tokens/revoke-token";

export async function createTokenAction(_: FormState, form: FormData): Promise<FormState> {
  const values = formValues(form, ["name", "expiresInDays"]);
  return runAction(async () => {
    const { token } = await createUserToken(getDb(), await requireActor(), {
      name: values.name ?? "",
      expiresInDays: values.expiresInDays ? Number(values.expiresInDays) : undefined,
    });
    revalidatePath("/tokens");
    return { ok: true, message: "Token created. Copy it now: it will not be shown again.", reveal: token };
  }, values);
}

export async function revokeTokenAction(_: FormState, form: FormData): Promise<FormState> {
  return runAction(async () => {
    await revokeToken(getDb(), await requireActor(), String(form.get("tokenId") ?? ""));
    revalidatePath("/tokens");
    return { ok: true, message: "Token revoked." };
  });
}
