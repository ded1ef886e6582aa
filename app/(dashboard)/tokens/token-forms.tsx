"use client";
import { useActionState } from "react";
import { SubmitButton } from "@/components/ui/button";
import { CodeBlock } from "@/components/ui/code-block";
import { Field, SelectField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { initialFormState } from "@/lib/http/form-state";
import { createTokenAction } from "./actions";

export function CreateTokenForm({ owners }: { owners: { value: string; label: string }[] }) {
  const [state, action] = useActionState(createTokenAction, initialFormState);
  return (
    <div className="space-y-4">
      <form action={action} className="space-y-3">
        {owners.length > 1 && (
          <SelectField label="Acts as" name="owner" options={owners} defaultValue={state.values?.owner} />
        )}
        <Field
          label="Token name"
          name="name"
          required
          placeholder="laptop CLI"
          error={state.fields?.name}
          defaultValue={state.ok ? "" : state.values?.name}
        />
        <Field
          label="Expires after (days)"
          name="expiresInDays"
          type="number"
          min={1}
          max={3650}
          hint="Leave empty for a token that does not expire."
          error={state.fields?.expiresInDays}
        />
        <SubmitButton pendingText="Creating…">Create token</SubmitButton>
      </form>
      <FormMessage state={state} />
      {state.reveal && (
        <div data-testid="new-token">
          <CodeBlock code={state.reveal} label="token" />
        </div>
      )}
    </div>
  );
}
