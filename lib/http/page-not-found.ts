import { notFound } from "next/navigation";
import { AppError } from "@/lib/errors";

/** For pages: a lookup that throws our not-found error renders the 404 page instead. */
export async function orNotFound<T>(lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof AppError && err.code === "not_found") notFound();
    throw err;
  }
}
