/** Shorter values are left alone: replacing them would mangle ordinary output. */
const MIN_SECRET_LENGTH = 4;

/**
 * Pure: every form in which a server may print one of its secret values: as is, JSON-escaped
 * (`JSON.stringify(value)` without its quotes) and URL-encoded. Longest first, so that no form is
 * cut apart by replacing a shorter one inside it.
 */
export function secretForms(secrets: string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
    forms.add(encodeURIComponent(secret));
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/** Pure: a log line with each of `forms` (from secretForms) replaced by `[redacted]`. */
export function redactSecrets(line: string, forms: string[]): string {
  let clean = line;
  for (const form of forms) clean = clean.split(form).join("[redacted]");
  return clean;
}
