import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from "react";

const INPUT =
  "block w-full rounded-md border-0 px-3 py-2 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-indigo-600 aria-[invalid=true]:ring-red-500";

type Common = { label: string; name: string; error?: string; hint?: ReactNode };

/**
 * A control's label and its error or hint, the error announced and tied to the control
 * (aria-describedby), for controls built by `control` with the attributes that tie them.
 */
function Labelled({
  label,
  name,
  error,
  hint,
  id,
  control,
}: Common & {
  id?: string;
  control(tie: { id: string; name: string; "aria-invalid"?: true; "aria-describedby"?: string }): ReactNode;
}) {
  const inputId = id ?? `field-${name}`;
  const described = error ? `${inputId}-error` : hint ? `${inputId}-hint` : undefined;
  return (
    <div className="space-y-1">
      <label htmlFor={inputId} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      {control({ id: inputId, name, "aria-invalid": error ? true : undefined, "aria-describedby": described })}
      {error ? (
        <p id={`${inputId}-error`} className="text-sm text-red-600">
          {error}
        </p>
      ) : hint ? (
        <p id={`${inputId}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** A labelled input whose error is announced and tied to it (aria-describedby). */
export function Field({ label, name, error, hint, id, ...props }: Common & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <Labelled
      label={label}
      name={name}
      error={error}
      hint={hint}
      id={id}
      control={(tie) => <input {...tie} className={INPUT} {...props} />}
    />
  );
}

export function SelectField({
  label,
  name,
  error,
  hint,
  id,
  options,
  ...props
}: Common & SelectHTMLAttributes<HTMLSelectElement> & { options: { value: string; label: string }[] }) {
  const inputId = id ?? `field-${name}`;
  return (
    <div className="space-y-1">
      <label htmlFor={inputId} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <select id={inputId} name={name} aria-invalid={error ? true : undefined} className={INPUT} {...props}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {error && <p className="text-sm text-red-600">{error}</p>}
      {!error && hint && <p className="text-xs text-slate-500">{hint}</p>}
    </div>
  );
}

/** A new password, with the rule people must meet shown up front. */
export function NewPasswordField({
  label,
  name = "password",
  error,
}: {
  label: string;
  name?: string;
  error?: string;
}) {
  return (
    <Field
      label={label}
      name={name}
      type="password"
      autoComplete="new-password"
      required
      minLength={8}
      hint="At least 8 characters."
      error={error}
    />
  );
}

/** A labelled multi-line input, with its error tied to it like Field's. */
export function TextareaField({
  label,
  name,
  error,
  hint,
  id,
  ...props
}: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <Labelled
      label={label}
      name={name}
      error={error}
      hint={hint}
      id={id}
      control={(tie) => <textarea {...tie} rows={4} className={`${INPUT} font-mono`} {...props} />}
    />
  );
}
