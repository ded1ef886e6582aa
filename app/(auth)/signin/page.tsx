import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SubmitButton } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { getDb } from "@/db";
import { OIDC_EMAIL_UNVERIFIED, oidcProviderName } from "@/lib/auth/auth";
import { getSessionActor } from "@/lib/auth/session";
import { safeCallbackPath } from "@/lib/http/safe-redirect";
import { needsSetup } from "@/lib/users/setup-admin";
import { signInWithOidc } from "./actions";
import { SignInForm } from "./signin-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string>> }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackPath(params.callbackUrl);
  if (await needsSetup(getDb())) redirect("/setup");
  if (await getSessionActor()) redirect(callbackUrl);
  const oidc = oidcProviderName();
  return (
    <Card title="Sign in" description="Use the account your admin created for you.">
      {params.error && params.error !== "CredentialsSignin" && (
        <p role="alert" className="mb-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {params.error === OIDC_EMAIL_UNVERIFIED
            ? `${oidc ?? "Single sign-on"} did not confirm that your email address is verified, so it cannot sign you in here. Verify the address with your identity provider, or ask your admin.`
            : "Sign-in did not complete. Try again, or ask your admin."}
        </p>
      )}
      <SignInForm callbackUrl={callbackUrl} />
      {oidc && (
        <form action={signInWithOidc} className="mt-4 border-t border-slate-100 pt-4">
          <input type="hidden" name="callbackUrl" value={callbackUrl} />
          <SubmitButton variant="secondary" className="w-full" pendingText="Redirecting…">
            Continue with {oidc}
          </SubmitButton>
        </form>
      )}
    </Card>
  );
}
