"use server";
import { revalidatePath } from "next/cache";
import { getDb } from "@/db";
import { signOut } from "@/lib/auth/auth";
import { requireActor } from "@/lib/auth/session";
import { revokeSessions } from "@/lib/auth/session-version";
import { formValues, runAction } from "@/lib/http/action";
import type { FormState } from "@/lib/http/form-state";
import { createToken, type TokenOwner } from "@/lib/tokens/create-token";
import { revokeToken } from "@/lib/tokens/revoke-token";
import { rotateToken } from "@/lib/tokens/rotate-token";

export async function createTokenAction(_: FormState, form: FormData): Promise<FormState> {
  const values = formValues(form, ["name", "expiresInDays", "owner"]);
  return runAction(async () => {
    const ownerField = values.owner ?? "user";
    const owner: TokenOwner =
      ownerField === "org"
        ? { kind: "org" }
        : ownerField.startsWith("team:")
          ? { kind: "team", teamId: ownerField.slice(5) }
          : { kind: "user" };
    const { token } = await createToken(getDb(), await requireActor(), owner, {
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

export async function rotateTokenAction(_: FormState, form: FormData): Promise<FormState> {
  return runAction(async () => {
    const { token } = await rotateToken(getDb(), await requireActor(), String(form.get("tokenId") ?? ""));
    // The button refreshes the page once the token is held above the lists (see revealed-token.tsx).
    return { ok: true, message: "Replaced: the old token no longer works.", reveal: token };
  });
}

/** Ends every browser session of the person and disconnects every app they connected, then signs out here. */
export async function signOutEverywhereAction(): Promise<void> {
  const actor = await requireActor();
  await revokeSessions(getDb(), actor.id);
  await signOut({ redirectTo: "/signin" });
}
