"use client";
import { useActionState } from "react";
import { SubmitButton } from "@/components/ui/button";
import { Field, NewPasswordField, SelectField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { initialFormState } from "@/lib/http/form-state";
import { createUserAction } from "./actions";

export function CreateUserForm() {
  const [state, action] = useActionState(createUserAction, initialFormState);
  // A fresh form after success: the key change resets the fields.
  const keep = state.ok ? undefined : state.values;
  return (
    <form action={action} className="space-y-3" key={state.ok ? state.message : "edit"}>
      <FormMessage state={state} />
      <Field label="Name" name="name" required defaultValue={keep?.name} error={state.fields?.name} />
      <Field label="Email" name="email" type="email" required defaultValue={keep?.email} error={state.fields?.email} />
      <NewPasswordField label="Initial password" error={state.fields?.password} />
      <SelectField
        label="Role"
        name="role"
        defaultValue={keep?.role ?? "member"}
        options={[
          { value: "member", label: "Member" },
          { value: "admin", label: "Admin" },
        ]}
        error={state.fields?.role}
      />
      <SubmitButton pendingText="Creating…">Create user</SubmitButton>
    </form>
  );
}
