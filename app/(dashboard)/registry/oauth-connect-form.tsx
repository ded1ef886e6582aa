"use client";
import { useActionState } from "react";
import { SubmitButton } from "@/components/ui/button";
import { SelectField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { initialFormState } from "@/lib/http/form-state";
import { connectOAuthAction } from "./actions";

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
      {teams.length > 0 && (
        <>
          <SelectField
            label="For"
            name="scope"
            options={[
              { value: "personal", label: "Me" },
              { value: "team", label: "A team I administer" },
            ]}
          />
          <SelectField
            label="Team (when for a team)"
            name="teamId"
            options={teams.map((t) => ({ value: t.id, label: t.name }))}
          />
        </>
      )}
      <SubmitButton pendingText="Opening sign-in…">{`${action} with ${serverName}`}</SubmitButton>
    </form>
  );
}
