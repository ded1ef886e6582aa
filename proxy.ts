import { type NextRequest, NextResponse } from "next/server";
import { newNonce, pageContentSecurityPolicy } from "@/lib/http/content-security-policy";

/**
 * For every page: a Content-Security-Policy with a fresh nonce, on the response and on the
 * request (where Next.js finds the nonce for its scripts); and the page that was asked for, so
 * a signed-out visitor is sent to sign-in and then back to it (layouts cannot see the URL).
 * The headers every answer gets (nosniff, Referrer-Policy, HSTS) come from the app server.
 */
export function proxy(request: NextRequest) {
  const csp = pageContentSecurityPolicy(newNonce(), { dev: process.env.NODE_ENV === "development" });
  const headers = new Headers(request.headers);
  headers.set("x-return-to", request.nextUrl.pathname + request.nextUrl.search);
  headers.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", csp);
  return response;
}

export const config = { matcher: ["/((?!api/|_next/|.*\\.[a-z0-9]+$).*)"] };
