"use client";
import { useActionState, useEffect } from "react";
import type { FormState } from "@/lib/http/form-state";
import { initialFormState } from "@/lib/http/form-state";
import { type ButtonVariant, SubmitButton } from "./button";

/** A one-button form for a row action (remove, revoke, …) that shows its own failure. */
export function ActionButton({
  action,
  fields,
  label,
  accessibleName,
  pendingText,
  variant = "danger",
  onSuccess,
}: {
  action: (state: FormState, form: FormData) => Promise<FormState>;
  fields: Record<string, string>;
  label: string;
  accessibleName: string;
  pendingText: string;
  variant?: ButtonVariant;
  /** Runs with the action's answer when it succeeded (a rotated token to hold elsewhere, say). */
  onSuccess?: (state: FormState) => void;
}) {
  const [state, formAction] = useActionState(action, initialFormState);
  useEffect(() => {
    if (state.ok) onSuccess?.(state);
  }, [state, onSuccess]);
  return (
    <form action={formAction} className="inline">
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <SubmitButton
        variant={variant}
        className="px-2 py-1 text-xs"
        aria-label={accessibleName}
        pendingText={pendingText}
      >
        {label}
      </SubmitButton>
      {state.ok === false && (
        <span role="alert" className="ml-2 text-xs text-red-600">
          {state.message}
        </span>
      )}
    </form>
  );
}
