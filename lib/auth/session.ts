import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getDb } from "@/db";
import { findUserById } from "@/db/queries/users";
import { forbidden } from "@/lib/errors";
import { safeCallbackPath } from "@/lib/http/safe-redirect";
import { type Actor, isAdmin, toActor } from "./actor";
import { auth } from "./auth";
import { sessionVersionHolds } from "./session-version";

/**
 * The signed-in person, read fresh from the database on every request so a role change or
 * a disabled account takes effect at once; null when signed out, or when the session cookie
 * is from before a sign-out or a password or role change (its session version is old).
 */
export async function getSessionActor(): Promise<Actor | null> {
  const session = await auth();
  const id = session?.user?.id;
  if (!id) return null;
  const user = await findUserById(getDb(), id);
  if (!user || user.disabled_at) return null;
  // auth() checked the session version through a short cache; the row read here is fresh.
  const version = (session as { sessionVersion?: unknown }).sessionVersion;
  return sessionVersionHolds(version, user.session_version) ? toActor(user) : null;
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
