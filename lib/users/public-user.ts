import type { User } from "@/db/schema";

/** What the API and pages may show of an account: never the password hash. */
export function publicUser(user: User) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    sso: user.oidc_subject !== null,
    disabled: user.disabled_at !== null,
    createdAt: user.created_at,
  };
}
