"use client";
import { useActionState } from "react";
import { SubmitButton } from "@/components/ui/button";
import { Field, SelectField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { initialFormState } from "@/lib/http/form-state";
import { addMemberAction, createTeamAction, renameTeamAction } from "./actions";

export function CreateTeamForm() {
  const [state, action] = useActionState(createTeamAction, initialFormState);
  return (
    <form action={action} className="space-y-3">
      <FormMessage state={state} />
      <Field
        label="Team name"
        name="name"
        required
        error={state.fields?.name}
        defaultValue={state.ok ? "" : state.values?.name}
        key={state.ok ? state.message : "edit"}
      />
      <SubmitButton pendingText="Creating…">Create team</SubmitButton>
    </form>
  );
}

export function RenameTeamForm({ teamId, name }: { teamId: string; name: string }) {
  const [state, action] = useActionState(renameTeamAction, initialFormState);
  return (
    <form action={action} className="flex flex-wrap items-end gap-3">
      <input type="hidden" name="teamId" value={teamId} />
      <div className="min-w-64 flex-1">
        <Field
          label="Team name"
          name="name"
          required
          defaultValue={state.values?.name ?? name}
          error={state.fields?.name}
        />
      </div>
      <SubmitButton variant="secondary" pendingText="Saving…">
        Rename
      </SubmitButton>
      <div className="w-full">
        <FormMessage state={state} />
      </div>
    </form>
  );
}

/**
 * Team admins invite (the person joins when they accept, since their personal credentials then
 * serve the team's tokens); org admins add at once, or invite.
 */
export function AddMemberForm({ teamId, orgAdmin }: { teamId: string; orgAdmin: boolean }) {
  const [state, action] = useActionState(addMemberAction, initialFormState);
  return (
    <form action={action} className="space-y-3">
      <input type="hidden" name="teamId" value={teamId} />
      <FormMessage state={state} />
      {!orgAdmin && (
        <p className="text-sm text-slate-600" data-testid="invite-explainer">
          The person is invited and joins the team when they accept. Until then they are not a member: the team's tokens
          do not use their credentials.
        </p>
      )}
      <div className="space-y-3">
        <Field label="Member email" name="email" type="email" required error={state.fields?.email} />
        <SelectField
          label="Team role"
          name="role"
          options={[
            { value: "member", label: "Member" },
            { value: "admin", label: "Team admin" },
          ]}
          error={state.fields?.role}
        />
        {orgAdmin && (
          <label className="flex items-start gap-2 text-sm text-slate-700">
            <input type="checkbox" name="invite" className="mt-1" />
            <span>Invite instead: they join when they accept.</span>
          </label>
        )}
      </div>
      {orgAdmin ? (
        <SubmitButton pendingText="Adding…">Add member</SubmitButton>
      ) : (
        <SubmitButton pendingText="Inviting…">Invite member</SubmitButton>
      )}
    </form>
  );
}
