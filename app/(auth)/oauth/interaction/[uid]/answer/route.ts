import { getDb } from "@/db";
import { getSessionActor } from "@/lib/auth/session";
import { publicOrigin } from "@/lib/http/public-url";
import { appAuthorizationServer } from "@/lib/oauth-server/app-server";
import { answerAuthorization } from "@/lib/oauth-server/interaction";

export const dynamic = "force-dynamic";

/**
 * POST /oauth/interaction/<uid>/answer - the consent page's Allow or Deny. A plain form post
 * (the answer leaves the app: through the authorization server back to the client), taken only
 * from the app's own pages and the browser that started the authorization.
 */
export async function POST(request: Request, { params }: { params: Promise<{ uid: string }> }) {
  const { uid } = await params;
  const origin = publicOrigin(request.headers);
  const page = `${origin}/oauth/interaction/${encodeURIComponent(uid)}`;
  // Pages are sent with Referrer-Policy: no-referrer, under which browsers post forms with
  // `Origin: null`; Sec-Fetch-Site says where the post came from.
  const fromApp = request.headers.get("sec-fetch-site") === "same-origin" || request.headers.get("origin") === origin;
  if (!fromApp)
    return new Response("Answer from the app's own page.", { status: 403, headers: { "content-type": "text/plain" } });
  const person = await getSessionActor();
  if (!person) return Response.redirect(page, 303);
  const form = await request.formData().catch(() => null);
  const decision = form?.get("decision");
  if (decision !== "allow" && decision !== "deny") return Response.redirect(page, 303);
  const answered = await answerAuthorization(
    appAuthorizationServer(origin),
    getDb(),
    uid,
    request.headers.get("cookie"),
    person,
    decision === "allow",
  );
  // A request that is gone or not this browser's: the page says so.
  return Response.redirect(
    answered.ok ? new URL(answered.returnTo, origin) : `${page}?refused=${answered.refusal}`,
    303,
  );
}
