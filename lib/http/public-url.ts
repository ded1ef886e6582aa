import { getEnv } from "@/lib/env";

/**
 * The origin people reach the app at: ARCHESTRA_PUBLIC_URL when set, else what the request
 * says (forwarded headers from a proxy, then Host). Links the app hands out and OAuth
 * redirect URIs are built from it, so they match what the browser used.
 *
 * The app server (scripts/request-entry.mjs) removes X-Forwarded-* from every peer that is not
 * in ARCHESTRA_TRUSTED_PROXIES, so what is read here came from a proxy the admin named.
 */
export function publicOrigin(headers: Pick<Headers, "get">): string {
  const env = getEnv();
  if (env.ARCHESTRA_PUBLIC_URL) return new URL(env.ARCHESTRA_PUBLIC_URL).origin;
  const host = headers.get("x-forwarded-host")?.split(",")[0]?.trim() || headers.get("host") || `localhost:${env.PORT}`;
  const proto = headers.get("x-forwarded-proto")?.split(",")[0]?.trim() || "http";
  return `${proto}://${host}`;
}
