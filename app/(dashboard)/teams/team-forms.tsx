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

export function AddMemberForm({ teamId }: { teamId: string }) {
  const [state, action] = useActionState(addMemberAction, initialFormState);
  return (
    <form action={action} className="space-y-3">
      <input type="hidden" name="teamId" value={teamId} />
      <FormMessage state={state} />
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
      </div>
      <SubmitButton pendingText="Adding…">Add member</SubmitButton>
    </form>
  );
}
