"use server";
import { signOut } from "@/lib/auth/auth";
import { safeCallbackPath } from "@/lib/http/safe-redirect";

/** "Not you?": signs out and comes back to the same request, to sign in as someone else. */
export async function switchAccountAction(form: FormData): Promise<void> {
  const back = safeCallbackPath(form.get("back"));
  await signOut({ redirectTo: `/signin?callbackUrl=${encodeURIComponent(back)}` });
}
