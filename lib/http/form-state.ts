/** What a server action hands back to its form: never a secret. */
export interface FormState {
  ok?: boolean;
  message?: string;
  fields?: Record<string, string>;
  /** Non-secret values to put back in the form after an error. */
  values?: Record<string, string>;
  /** A value shown once (a new token), then gone. */
  reveal?: string;
}

export const initialFormState: FormState = {};
