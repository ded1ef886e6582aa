"use client";
import { useActionState } from "react";
import { SubmitButton } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form-message";
import { initialFormState } from "@/lib/http/form-state";
import { connectOAuthAction } from "./actions";
import { OwnerFields } from "./owner-fields";

/** Connecting an OAuth-protected server: the browser goes to its sign-in page and comes back. */
export function OAuthConnectForm({
  server,
  serverName,
  action,
  teams,
}: {
  server: string;
  serverName: string;
  action: string;
  teams: { id: string; name: string }[];
}) {
  const [state, formAction] = useActionState(connectOAuthAction, initialFormState);
  return (
    <form action={formAction} className="space-y-3">
      <input type="hidden" name="server" value={server} />
      <FormMessage state={state} />
      <p className="text-sm text-slate-600">
        You will sign in with {serverName} and allow access; the tokens it gives are stored encrypted and used only for
        your calls (or your team's).
      </p>
      <OwnerFields teams={teams} />
      <SubmitButton pendingText="Opening sign-in…">{`${action} with ${serverName}`}</SubmitButton>
    </form>
  );
}
