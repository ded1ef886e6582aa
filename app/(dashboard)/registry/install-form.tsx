"use client";
import { useActionState } from "react";
import { SubmitButton } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import type { EnvVarSpec } from "@/db/schema";
import { initialFormState } from "@/lib/http/form-state";
import { installAction } from "./actions";
import { OwnerFields } from "./owner-fields";

/**
 * The install form, generated from the server's variables. Secret fields are password inputs
 * and are never filled back in: after an error they must be typed again.
 */
export function InstallForm({
  server,
  fields,
  teams,
}: {
  server: string;
  fields: EnvVarSpec[];
  teams: { id: string; name: string }[];
}) {
  const [state, action] = useActionState(installAction, initialFormState);
  return (
    <form action={action} className="space-y-3">
      <input type="hidden" name="server" value={server} />
      <FormMessage state={state} />
      {fields.length === 0 && (
        <p className="text-sm text-slate-600">This server needs no values: installing it starts your own copy.</p>
      )}
      {fields.map((f) => (
        <Field
          key={f.name}
          label={f.name}
          name={`env.${f.name}`}
          type={f.secret ? "password" : "text"}
          autoComplete="off"
          required={f.required && f.default === undefined}
          placeholder={f.default}
          hint={f.description ?? (f.secret ? "Stored encrypted; never shown again." : undefined)}
          error={state.fields?.[`env.${f.name}`]}
        />
      ))}
      <OwnerFields teams={teams} />
      <SubmitButton pendingText="Connecting…">Connect</SubmitButton>
    </form>
  );
}
