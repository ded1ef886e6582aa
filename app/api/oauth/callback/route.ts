import { getDb } from "@/db";
import { getKeyring } from "@/lib/app-secrets";
import { getSessionActor } from "@/lib/auth/session";
import { publicOrigin } from "@/lib/http/public-url";
import { afterInstall } from "@/lib/registry/after-install";
import { finishOAuthFlow, OAUTH_ERROR_COOKIE, OAuthFlowError } from "@/lib/oauth/finish-flow";

export const dynamic = "force-dynamic";

// GET /api/oauth/callback - where an authorization server sends the browser back after sign-in
export async function GET(request: Request): Promise<Response> {
  const origin = publicOrigin(request.headers);
  const url = new URL(request.url);
  const actor = await getSessionActor();
  if (!actor) {
    const back = `/api/oauth/callback${url.search}`;
    return Response.redirect(`${origin}/signin?callbackUrl=${encodeURIComponent(back)}`, 303);
  }
  try {
    const { slug, credentialId, itemId } = await finishOAuthFlow(
      getDb(),
      getKeyring(),
      actor,
      url.searchParams,
      origin,
    );
    await afterInstall(getDb(), getKeyring(), { kind: "remote", itemId, id: credentialId });
    return Response.redirect(`${origin}/registry/${encodeURIComponent(slug)}?installed=1`, 303);
  } catch (err) {
    if (!(err instanceof OAuthFlowError)) throw err;
    // The message goes in a short-lived cookie, not the URL, so no link can make the page say anything.
    const to = err.slug ? `/registry/${encodeURIComponent(err.slug)}` : "/registry";
    return new Response(null, {
      status: 303,
      headers: {
        Location: `${origin}${to}?oauth=failed`,
        "Set-Cookie": `${OAUTH_ERROR_COOKIE}=${encodeURIComponent(err.message)}; Path=/registry; Max-Age=120; HttpOnly; SameSite=Lax`,
      },
    });
  }
}
