import type { Metadata } from "next";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { buttonClass } from "@/components/ui/button-class";
import { Card } from "@/components/ui/card";
import { getDb } from "@/db";
import { getSessionActor } from "@/lib/auth/session";
import { getEnv } from "@/lib/env";
import { parseEgressAllow } from "@/lib/http/egress-policy";
import { publicOrigin } from "@/lib/http/public-url";
import { appAuthorizationServer } from "@/lib/oauth-server/app-server";
import { clientLogo } from "@/lib/oauth-server/client-logo";
import { switchAccountAction } from "./actions";
import { answerAuthorization, pendingAuthorization, REFUSALS, type Refusal } from "@/lib/oauth-server/interaction";

export const metadata: Metadata = { title: "Connect an app" };

/**
 * Sign-in and consent for an MCP client connecting to a gateway (the authorization server sends
 * the browser here): "Claude wants to use gateway Main as Ada". A person not signed in to the app
 * signs in first (password or single sign-on) and comes back; a consent given before for this
 * client and gateway is remembered, and the browser goes straight back to the client.
 */
export default async function ConnectAppPage({
  params,
  searchParams,
}: {
  params: Promise<{ uid: string }>;
  searchParams: Promise<Record<string, string>>;
}) {
  const { uid } = await params;
  const refused = (await searchParams).refused;
  const here = `/oauth/interaction/${encodeURIComponent(uid)}`;
  const person = await getSessionActor();
  if (!person) redirect(`/signin?callbackUrl=${encodeURIComponent(here)}`);
  const requestHeaders = await headers();
  const provider = appAuthorizationServer(publicOrigin(requestHeaders));
  const cookieHeader = requestHeaders.get("cookie");
  const found =
    refused && Object.hasOwn(REFUSALS, refused)
      ? ({ ok: false, refusal: refused as Refusal } as const)
      : await pendingAuthorization(provider, getDb(), uid, person, cookieHeader);
  if (!found.ok)
    return (
      <Card title="This sign-in cannot continue">
        <p role="alert" className="text-sm text-slate-700">
          {REFUSALS[found.refusal]}
        </p>
      </Card>
    );
  const { client, gateway, remembered, startedHere } = found.pending;
  // A consent given before is answered at once, when this browser is the one that started.
  if (remembered && startedHere) {
    const answered = await answerAuthorization(provider, getDb(), uid, cookieHeader, person, true);
    if (answered.ok) redirect(answered.returnTo);
  }
  const logo = client.logoUri
    ? await clientLogo(client.logoUri, parseEgressAllow(getEnv().ARCHESTRA_OAUTH_CLIENT_METADATA_ALLOW))
    : null;
  // A native app's own scheme (com.example.app:/cb) has no host: its scheme says where.
  const back = URL.parse(client.redirectUri);
  const returnHost = back?.host || back?.protocol.replace(/:$/, "") || client.redirectUri;
  return (
    <Card>
      <div className="flex items-center gap-3">
        {logo && (
          // biome-ignore lint/performance/noImgElement: a data: URI fetched and checked by the server
          <img src={logo} alt="" width={40} height={40} className="rounded" />
        )}
        <h1 className="text-base font-semibold text-slate-900">
          {client.name} wants to use gateway {gateway.name} as {person.name}
        </h1>
      </div>
      <ul className="mt-4 list-disc space-y-2 pl-5 text-sm text-slate-600">
        <li>
          It can list and call the gateway's tools, prompts and resources with your credentials, as a personal token
          can.
        </li>
        <li>
          {client.verifiedHost ? (
            <>
              The app is identified by <strong>{client.verifiedHost}</strong>.
            </>
          ) : (
            <>The app registered itself: its name is its own claim, not checked by anyone.</>
          )}
        </li>
        <li>
          You will go back to <strong>{returnHost}</strong>.
        </li>
        <li>You can disconnect it at any time on the Tokens page.</li>
      </ul>
      <form action={switchAccountAction} className="mt-3 text-xs text-slate-500">
        <input type="hidden" name="back" value={here} />
        Signed in as {person.email}. Not you?{" "}
        <button type="submit" className="underline">
          Use another account
        </button>
      </form>
      <form method="post" action={`${here}/answer`} className="mt-5 flex gap-3">
        <button type="submit" name="decision" value="allow" className={buttonClass("primary", "flex-1")}>
          Allow
        </button>
        <button type="submit" name="decision" value="deny" className={buttonClass("secondary", "flex-1")}>
          Deny
        </button>
      </form>
    </Card>
  );
}
