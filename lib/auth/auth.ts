import NextAuth, { type NextAuthConfig, type Profile } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { getDb } from "@/db";
import { getAuthSecret } from "@/lib/app-secrets";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { getLogger } from "@/lib/log";
import { endSessions, getSessionVersions, readSessionVersion, sessionVersionHolds } from "./session-version";
import { emailIsVouchedFor, type OidcProfile, upsertOidcUser } from "./oidc-user";
import { verifyCredentials } from "./verify-credentials";

export const OIDC_PROVIDER_ID = "oidc";
/** The sign-in page's error code for a provider that did not vouch for the person's email. */
export const OIDC_EMAIL_UNVERIFIED = "OidcEmailUnverified";

function oidcProfile(profile: Profile, sub: string): OidcProfile {
  return {
    sub,
    email: profile.email,
    name: profile.name,
    emailVerified: typeof profile.email_verified === "boolean" ? profile.email_verified : undefined,
  };
}

/**
 * The caller's address, which keys the sign-in throttle. The app server (scripts/request-entry.mjs)
 * sets X-Forwarded-For to the one address it found: the peer itself, or the client behind
 * proxies listed in ARCHESTRA_TRUSTED_PROXIES; a value a client sends is never passed on.
 */
export function clientAddress(headers: Headers): string | null {
  return headers.get("x-forwarded-for")?.split(",")[0]?.trim() || null;
}

function config(): NextAuthConfig {
  const env = getEnv();
  const providers: NextAuthConfig["providers"] = [
    Credentials({
      credentials: { email: {}, password: {} },
      async authorize(credentials, request) {
        const email = typeof credentials.email === "string" ? credentials.email : "";
        const password = typeof credentials.password === "string" ? credentials.password : "";
        if (!email || !password) return null;
        try {
          const actor = await verifyCredentials(getDb(), {
            email,
            password,
            clientAddress: clientAddress(request.headers),
          });
          return actor ? { id: actor.id, email: actor.email, name: actor.name } : null;
        } catch (err) {
          if (err instanceof AppError && err.code === "rate_limited") return null;
          throw err;
        }
      },
    }),
  ];
  if (env.ARCHESTRA_OIDC_ISSUER && env.ARCHESTRA_OIDC_CLIENT_ID && env.ARCHESTRA_OIDC_CLIENT_SECRET) {
    providers.push({
      id: OIDC_PROVIDER_ID,
      name: env.ARCHESTRA_OIDC_NAME,
      type: "oidc",
      issuer: env.ARCHESTRA_OIDC_ISSUER,
      clientId: env.ARCHESTRA_OIDC_CLIENT_ID,
      clientSecret: env.ARCHESTRA_OIDC_CLIENT_SECRET,
      // Claims come from the userinfo endpoint (checked against the ID token's subject):
      // conformant providers need not repeat email and name in the ID token.
      idToken: false,
    });
  }
  return {
    secret: getAuthSecret(),
    trustHost: true,
    useSecureCookies: env.ARCHESTRA_SECURE_COOKIES,
    session: { strategy: "jwt", maxAge: 7 * 24 * 3600 },
    pages: { signIn: "/signin", error: "/signin" },
    // Auth.js logs to the console with stacks; a failed sign-in is an expected event, not an error.
    logger: {
      error(error) {
        const type = (error as { type?: string }).type ?? error.name;
        if (type === "CredentialsSignin") return;
        const cause = (error.cause as { err?: Error } | undefined)?.err ?? error.cause;
        getLogger().error({ type, cause: cause instanceof Error ? cause.message : cause }, "sign-in error");
      },
      warn(code) {
        getLogger().warn({ code }, "auth warning");
      },
      debug() {},
    },
    providers,
    callbacks: {
      async signIn({ account, profile }) {
        if (account?.provider !== OIDC_PROVIDER_ID) return true;
        if (!profile?.sub) return false;
        const oidc = oidcProfile(profile, profile.sub);
        const user = await upsertOidcUser(getDb(), oidc, { trustEmail: env.ARCHESTRA_OIDC_TRUST_EMAIL });
        if (user) return true;
        // Said on the sign-in page: the person can ask the provider's admin to verify the address.
        if (!emailIsVouchedFor(oidc, { trustEmail: env.ARCHESTRA_OIDC_TRUST_EMAIL })) {
          return `/signin?error=${OIDC_EMAIL_UNVERIFIED}`;
        }
        return false;
      },
      async jwt({ token, user, account, profile }) {
        if (account) {
          // Signing in: the cookie remembers the person and their session version now.
          let uid: string | undefined;
          if (account.provider === OIDC_PROVIDER_ID && profile?.sub) {
            const linked = await upsertOidcUser(getDb(), oidcProfile(profile, profile.sub), {
              trustEmail: env.ARCHESTRA_OIDC_TRUST_EMAIL,
            });
            uid = linked?.id;
          } else {
            uid = user?.id;
          }
          if (!uid) return null;
          const version = await readSessionVersion(getDb(), uid);
          if (version === null) return null;
          token.uid = uid;
          token.sv = version;
          return token;
        }
        // Every later request: a cookie from before a sign-out (or a password or role change) is void.
        if (typeof token.uid !== "string") return null;
        const current = await getSessionVersions().current(getDb(), token.uid);
        return sessionVersionHolds(token.sv, current) ? token : null;
      },
      async session({ session, token }) {
        if (typeof token.uid === "string") session.user.id = token.uid;
        return Object.assign(session, { sessionVersion: token.sv });
      },
    },
    events: {
      // Signing out ends the person's browser sessions everywhere: a copy of the cookie no longer
      // works. Their connected apps stay (the Tokens page's "Sign out everywhere" ends those too).
      async signOut(message) {
        const uid = "token" in message ? message.token?.uid : undefined;
        if (typeof uid === "string") await endSessions(getDb(), uid);
      },
    },
  };
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => config());

export function oidcProviderName(): string | null {
  const env = getEnv();
  return env.ARCHESTRA_OIDC_ISSUER ? env.ARCHESTRA_OIDC_NAME : null;
}
