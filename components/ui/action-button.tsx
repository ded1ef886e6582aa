"use client";
import { useRouter } from "next/navigation";
import { useActionState } from "react";
import type { FormState } from "@/lib/http/form-state";
import { initialFormState } from "@/lib/http/form-state";
import { type ButtonVariant, SubmitButton } from "./button";
import { CodeBlock } from "./code-block";

/**
 * A one-button form for a row action (remove, revoke, rotate, …) that shows its own failure, and
 * what the action reveals once (a rotated token) with its message.
 */
export function ActionButton({
  action,
  fields,
  label,
  accessibleName,
  pendingText,
  variant = "danger",
}: {
  action: (state: FormState, form: FormData) => Promise<FormState>;
  fields: Record<string, string>;
  label: string;
  accessibleName: string;
  pendingText: string;
  variant?: ButtonVariant;
}) {
  const [state, formAction] = useActionState(action, initialFormState);
  const router = useRouter();
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
      {state.ok && state.reveal && (
        <div className="mt-2 text-left" data-testid="revealed">
          <p className="mb-1 text-xs text-slate-600">{state.message}</p>
          <CodeBlock code={state.reveal} label="token" />
          {/* The list is brought up to date once the person has copied what is shown. */}
          <button type="button" className="mt-1 text-xs text-indigo-700 underline" onClick={() => router.refresh()}>
            Done
          </button>
        </div>
      )}
    </form>
  );
}
