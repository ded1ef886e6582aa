import "server-only";
import { randomUUID } from "node:crypto";
import { getDb } from "@/db";
import type { Actor } from "@/lib/auth/actor";
import { AppError } from "@/lib/errors";
import { getLogger } from "@/lib/log";
import { readRequestBody } from "./node-web";
import { authenticateToken } from "@/lib/tokens/authenticate-token";
import { bearerToken } from "@/lib/tokens/token-format";

const MAX_JSON_BYTES = 1024 * 1024;

/**
 * A request body over the API's limit. Not an AppError: its status, 413, has no ErrorCode of its
 * own yet, and only API routes read bodies this way.
 */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`The request body is larger than the ${limit / (1024 * 1024)} MiB this API accepts.`);
    this.name = "BodyTooLargeError";
  }
}

/** The one mapping from errors to HTTP: known errors say what happened, the rest are masked. */
export function errorResponse(err: unknown): Response {
  if (err instanceof BodyTooLargeError) {
    return Response.json({ error: { code: "payload_too_large", message: err.message } }, { status: 413 });
  }
  if (err instanceof AppError) {
    const headers: HeadersInit = err.code === "unauthorized" ? { "WWW-Authenticate": 'Bearer realm="api"' } : {};
    return Response.json(
      { error: { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) } },
      { status: err.status, headers },
    );
  }
  const id = randomUUID();
  getLogger().error({ err, errorId: id }, "unhandled error in API route");
  return Response.json(
    { error: { code: "internal", message: `Something went wrong on our side (error id ${id}).` } },
    { status: 500 },
  );
}

type Handler<C> = (request: Request, context: C) => Promise<Response>;

/** Wraps a route handler so every failure is answered through errorResponse. */
export function api<C>(handler: Handler<C>): Handler<C> {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (err) {
      return errorResponse(err);
    }
  };
}

/** The person behind a personal bearer token; team and org tokens cannot manage the product. */
export async function requireApiActor(request: Request): Promise<Actor> {
  const token = bearerToken(request.headers.get("authorization"));
  if (!token) throw new AppError("unauthorized", "Send a personal access token as: Authorization: Bearer <token>.");
  const principal = await authenticateToken(getDb(), token);
  if (!principal) throw new AppError("unauthorized", "The token is unknown, revoked or expired.");
  if (!principal.user) throw new AppError("forbidden", "Management needs a personal token, not a team or org token.");
  return principal.user;
}

/**
 * A body as text, reading no more than `limit` bytes: a larger one (declared or sent without a
 * length) is refused with a 413 as soon as it shows, without buffering the rest.
 */
async function readBodyText(request: Request, limit = MAX_JSON_BYTES): Promise<string> {
  if (Number(request.headers.get("content-length") ?? 0) > limit) throw new BodyTooLargeError(limit);
  const bytes = await readRequestBody(request, limit);
  if (bytes.length > limit) throw new BodyTooLargeError(limit);
  return bytes.toString("utf8");
}

/** Reads a JSON object body, capped in size (413 beyond it); bad JSON is a 400 that says so. */
export async function readJson(request: Request): Promise<Record<string, unknown>> {
  const text = await readBodyText(request);
  if (!text.trim()) return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "The request body is not valid JSON.");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new AppError("bad_request", "The request body must be a JSON object.");
  }
  return body as Record<string, unknown>;
}

// Any method on a path under /api/v1 that no route answers: a JSON 404 like every other API error.
export const apiNotFound = api(async (request: Request) => {
  throw new AppError("not_found", `There is no API endpoint ${request.method} ${new URL(request.url).pathname}.`);
});
