"use server";
import { signIn } from "@/lib/auth/auth";
import { getDb } from "@/db";
import { formValues, runAction } from "@/lib/http/action";
import type { FormState } from "@/lib/http/form-state";
import { setupAdmin } from "@/lib/users/setup-admin";

export async function createFirstAdmin(_: FormState, form: FormData): Promise<FormState> {
  const values = formValues(form, ["name", "email"]);
  const password = String(form.get("password") ?? "");
  return runAction(async () => {
    const admin = await setupAdmin(getDb(), { ...values, email: values.email ?? "", password }, "setup-page");
    await signIn("credentials", { email: admin.email, password, redirectTo: "/" });
    return { ok: true };
  }, values);
}
