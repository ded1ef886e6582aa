import type { NextRequest } from "next/server";
import { handlers } from "@/lib/auth/auth";
import { publicOrigin } from "@/lib/http/public-url";

// Next.js hands route handlers a URL built from its bind address with loopback hosts rewritten
// to "localhost", which can differ from the host the browser used; an OAuth redirect URI must be
// the same at both ends of a sign-in. A plain Request keeps the URL exactly as given.
const atPublicOrigin = (handler: (req: NextRequest) => Promise<Response>) => (req: NextRequest) =>
  handler(
    new Request(new URL(req.nextUrl.pathname + req.nextUrl.search, publicOrigin(req.headers)), req) as NextRequest,
  );

export const GET = atPublicOrigin(handlers.GET);
export const POST = atPublicOrigin(handlers.POST);
