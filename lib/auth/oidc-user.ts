import type { Database } from "@/db";
import { findUserByEmail, findUserByOidcSubject, insertUser, setOidcSubject } from "@/db/queries/users";
import { recordEvent } from "@/lib/audit/record-event";
import type { User } from "@/db/schema";

export interface OidcProfile {
  sub: string;
  email?: string | null;
  name?: string | null;
  /** The provider's `email_verified` claim, when it sent a boolean. */
  emailVerified?: boolean;
}

export interface OidcUserOptions {
  /** ARCHESTRA_OIDC_TRUST_EMAIL: the provider's emails are the person's, verified or not. */
  trustEmail?: boolean;
}

/**
 * Whether the profile's email may stand for the person: the provider said `email_verified: true`
 * (a missing claim is not a yes), or the admin said this provider's emails are all trustworthy.
 */
export function emailIsVouchedFor(profile: OidcProfile, options: OidcUserOptions = {}): boolean {
  return Boolean(profile.email) && (profile.emailVerified === true || options.trustEmail === true);
}

/**
 * Maps a person signing in through OpenID Connect to an account: by subject once linked,
 * else by vouched-for email (linking an existing account, or creating a member account).
 * An email the provider does not vouch for is used for neither: linking would let anyone who
 * can set that address at the provider take over the account (an admin's included), and a new
 * account would hold an address that team admins then add to teams as if it were its owner's.
 */
export async function upsertOidcUser(
  db: Database,
  profile: OidcProfile,
  options: OidcUserOptions = {},
): Promise<User | null> {
  const bySubject = await findUserByOidcSubject(db, profile.sub);
  if (bySubject) return bySubject.disabled_at ? null : bySubject;
  if (!profile.email || !emailIsVouchedFor(profile, options)) return null;
  const byEmail = await findUserByEmail(db, profile.email);
  if (byEmail) {
    if (byEmail.disabled_at) return null;
    await setOidcSubject(db, byEmail.id, profile.sub);
    await recordEvent(db, {
      action: "user.oidc_link",
      outcome: "ok",
      actor_user_id: byEmail.id,
      details: { userId: byEmail.id },
    });
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
