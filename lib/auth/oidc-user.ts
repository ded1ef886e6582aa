import type { Database } from "@/db";
import { findUserByEmail, findUserByOidcSubject, insertUser, setOidcSubject } from "@/db/queries/users";
import { recordEvent } from "@/lib/audit/record-event";
import type { User } from "@/db/schema";

/**
 * Maps a person signing in through OpenID Connect to an account: by subject once linked,
 * else by verified email (linking it), else a new member account.
 */
export async function upsertOidcUser(
  db: Database,
  profile: { sub: string; email?: string | null; name?: string | null; emailVerified?: boolean },
): Promise<User | null> {
  const bySubject = await findUserByOidcSubject(db, profile.sub);
  if (bySubject) return bySubject.disabled_at ? null : bySubject;
  if (!profile.email) return null;
  const byEmail = await findUserByEmail(db, profile.email);
  if (byEmail) {
    // Linking an existing account by email is only safe when the provider vouches for the address.
    if (profile.emailVerified === false || byEmail.disabled_at) return null;
    await setOidcSubject(db, byEmail.id, profile.sub);
    return byEmail;
  }
  const user = await insertUser(db, {
    email: profile.email.toLowerCase(),
    name: profile.name?.trim() || profile.email,
    role: "member",
    password_hash: null,
    oidc_subject: profile.sub,
  });
  await recordEvent(db, { action: "user.create", outcome: "ok", actor_user_id: user.id, details: { via: "oidc" } });
  return user;
}
