import { type NextRequest, NextResponse } from "next/server";

/**
 * Tells server components which page was asked for, so a signed-out visitor is sent to
 * sign-in and then back to that page (layouts cannot see the URL themselves).
 */
export function proxy(request: NextRequest) {
  const headers = new Headers(request.headers);
  headers.set("x-return-to", request.nextUrl.pathname + request.nextUrl.search);
  return NextResponse.next({ request: { headers } });
}

export const config = { matcher: ["/((?!api/|_next/|.*\\.[a-z0-9]+$).*)"] };
