import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getDb } from "@/db";
import { findUserById } from "@/db/queries/users";
import { forbidden } from "@/lib/errors";
import { safeCallbackPath } from "@/lib/http/safe-redirect";
import { type Actor, isAdmin, toActor } from "./actor";
import { auth } from "./auth";

/**
 * The signed-in person, read fresh from the database on every request so a role change or
 * a disabled account takes effect at once; null when signed out.
 */
export async function getSessionActor(): Promise<Actor | null> {
  const session = await auth();
  const id = session?.user?.id;
  if (!id) return null;
  const user = await findUserById(getDb(), id);
  return user && !user.disabled_at ? toActor(user) : null;
}

/** For pages and server actions: the signed-in person, or a redirect to sign-in. */
export async function requireActor(): Promise<Actor> {
  const actor = await getSessionActor();
  if (!actor) {
    const returnTo = safeCallbackPath((await headers()).get("x-return-to"), "/");
    redirect(returnTo === "/" ? "/signin" : `/signin?callbackUrl=${encodeURIComponent(returnTo)}`);
  }
  return actor;
}

export async function requireAdmin(): Promise<Actor> {
  const actor = await requireActor();
  if (!isAdmin(actor)) throw forbidden("Only admins can do that.");
  return actor;
}
