"use server";
import { AuthError } from "next-auth";
import { signIn } from "@/lib/auth/auth";
import { SIGN_IN_FAILED } from "@/lib/auth/verify-credentials";
import type { FormState } from "@/lib/http/form-state";
import { safeCallbackPath } from "@/lib/http/safe-redirect";

export async function signInWithPassword(_: FormState, form: FormData): Promise<FormState> {
  const email = String(form.get("email") ?? "");
  try {
    await signIn("credentials", {
      email,
      password: String(form.get("password") ?? ""),
      redirectTo: safeCallbackPath(form.get("callbackUrl")),
    });
    return { ok: true };
  } catch (err) {
    // One message for every failure: it must not tell whether the account exists.
    if (err instanceof AuthError) return { ok: false, message: SIGN_IN_FAILED, values: { email } };
    throw err;
  }
}

export async function signInWithOidc(form: FormData): Promise<void> {
  await signIn("oidc", { redirectTo: safeCallbackPath(form.get("callbackUrl")) });
}
