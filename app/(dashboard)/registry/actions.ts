"use server";
import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getDb } from "@/db";
import { getKeyring } from "@/lib/app-secrets";
import { requireActor } from "@/lib/auth/session";
import { installCredential } from "@/lib/credentials/install-credential";
import { runAction } from "@/lib/http/action";
import type { FormState } from "@/lib/http/form-state";
import { publicOrigin } from "@/lib/http/public-url";
import { confirmPinnedEndpoints } from "@/lib/oauth/pin-endpoints";
import { startOAuthFlow } from "@/lib/oauth/start-flow";
import { afterInstall } from "@/lib/registry/after-install";

/** Whom the form's credential is for (OwnerFields). */
function ownerFromForm(form: FormData): { scope: "personal" | "team"; teamId?: string } {
  return form.get("scope") === "team"
    ? { scope: "team", teamId: String(form.get("teamId") ?? "") }
    : { scope: "personal" };
}

/** Installs a server with the values in the form; secret values are never sent back. */
export async function installAction(_: FormState, form: FormData): Promise<FormState> {
  const slug = String(form.get("server") ?? "");
  const env: Record<string, string> = {};
  for (const [key, value] of form.entries()) {
    if (key.startsWith("env.") && typeof value === "string" && value !== "") env[key.slice(4)] = value;
  }
  const state = await runAction(async () => {
    const installed = await installCredential(getDb(), getKeyring(), await requireActor(), slug, {
      ...ownerFromForm(form),
      env,
    });
    await afterInstall(getDb(), getKeyring(), installed);
    return { ok: true };
  });
  if (!state.ok) return state;
  revalidatePath(`/registry/${slug}`);
  redirect(`/registry/${encodeURIComponent(slug)}?installed=1`);
}

/** Starts signing in with an OAuth-protected server: the browser goes to its authorization server. */
export async function connectOAuthAction(_: FormState, form: FormData): Promise<FormState> {
  const slug = String(form.get("server") ?? "");
  let authorizationUrl = "";
  const state = await runAction(async () => {
    authorizationUrl = await startOAuthFlow(
      getDb(),
      getKeyring(),
      await requireActor(),
      slug,
      ownerFromForm(form),
      publicOrigin(await headers()),
    );
    return { ok: true };
  });
  if (!state.ok) return state;
  redirect(authorizationUrl);
}

/** An admin accepts a server's changed sign-in endpoints (see lib/oauth/pin-endpoints). */
export async function confirmEndpointsAction(_: FormState, form: FormData): Promise<FormState> {
  const slug = String(form.get("server") ?? "");
  return runAction(async () => {
    await confirmPinnedEndpoints(getDb(), await requireActor(), slug);
    revalidatePath(`/registry/${slug}`);
    return { ok: true };
  });
}
