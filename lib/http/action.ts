import "server-only";
import { randomUUID } from "node:crypto";
import { unstable_rethrow } from "next/navigation";
import { AppError } from "@/lib/errors";
import { getLogger } from "@/lib/log";
import type { FormState } from "./form-state";

/** Form fields as plain strings, leaving out files and anything named like a secret. */
export function formValues(form: FormData, keep: string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const key of keep) {
    const v = form.get(key);
    if (typeof v === "string") values[key] = v;
  }
  return values;
}

/**
 * Runs a server action's work and maps the outcome to FormState: known errors become
 * field-level messages; anything else is logged and masked.
 */
export async function runAction(
  work: () => Promise<FormState | undefined>,
  values?: Record<string, string>,
): Promise<FormState> {
  try {
    return (await work()) ?? { ok: true };
  } catch (err) {
    unstable_rethrow(err);
    if (err instanceof AppError) {
      // Field errors are shown beside their fields; the summary only points at them.
      const message = err.code === "bad_request" && err.fields ? "Check the fields marked below." : err.message;
      return { ok: false, message, fields: err.fields, values };
    }
    const id = randomUUID();
    getLogger().error({ err, errorId: id }, "server action failed");
    return { ok: false, message: `Something went wrong on our side (error id ${id}).`, values };
  }
}
