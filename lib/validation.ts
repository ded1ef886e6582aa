import type { z } from "zod";
import { AppError, notFound } from "./errors";

/** Parses input with a schema; a failure becomes an AppError with one message per field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.join(".") || "form";
    fields[key] ??= issue.message;
  }
  const first = Object.entries(fields)[0];
  throw new AppError("bad_request", first ? `${first[0]}: ${first[1]}` : "Invalid input.", fields);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string) => UUID.test(value);

/** Ids arrive in URLs: anything that is not a UUID cannot name a row. */
export function uuidOrThrow(value: string, what: string): string {
  if (!isUuid(value)) throw notFound(what);
  return value;
}
