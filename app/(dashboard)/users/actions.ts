"use server";
import { revalidatePath } from "next/cache";
import { getDb } from "@/db";
import { requireActor } from "@/lib/auth/session";
import { formValues, runAction } from "@/lib/http/action";
import type { FormState } from "@/lib/http/form-state";
import { createUser } from "@/lib/users/create-user";

export async function createUserAction(_: FormState, form: FormData): Promise<FormState> {
  const values = formValues(form, ["name", "email", "role"]);
  return runAction(async () => {
    const user = await createUser(getDb(), await requireActor(), {
      name: values.name ?? "",
      email: values.email ?? "",
      role: (values.role ?? "member") as "admin" | "member",
      password: String(form.get("password") ?? ""),
    });
    revalidatePath("/users");
    return { ok: true, message: `Account for ${user.email} created. Share the password with them privately.` };
  }, values);
}
