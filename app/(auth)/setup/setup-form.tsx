"use client";
import { useActionState } from "react";
import { SubmitButton } from "@/components/ui/button";
import { Field, NewPasswordField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { initialFormState } from "@/lib/http/form-state";
import { createFirstAdmin } from "./actions";

export function SetupForm() {
  const [state, action] = useActionState(createFirstAdmin, initialFormState);
  return (
    <form action={action} className="space-y-4">
      <FormMessage state={state} />
      <Field
        label="Your name"
        name="name"
        autoComplete="name"
        required
        defaultValue={state.values?.name}
        error={state.fields?.name}
      />
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        required
        defaultValue={state.values?.email}
        error={state.fields?.email}
      />
      <NewPasswordField label="Password" error={state.fields?.password} />
      <SubmitButton className="w-full" pendingText="Creating…">
        Create admin account
      </SubmitButton>
    </form>
  );
}
