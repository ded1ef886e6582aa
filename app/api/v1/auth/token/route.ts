import { z } from "zod";
import { getDb } from "@/db";
import { clientAddress } from "@/lib/auth/auth";
import { SIGN_IN_FAILED, verifyCredentials } from "@/lib/auth/verify-credentials";
import { AppError } from "@/lib/errors";
import { api, readJson } from "@/lib/http/api";
import { createUserToken } from "@/lib/tokens/create-token";
import { parseInput } from "@/lib/validation";

const body = z.object({
  email: z.string({ message: "Enter an email address." }).min(1, { message: "Enter an email address." }),
  password: z.string({ message: "Enter a password." }).min(1, { message: "Enter a password." }),
  name: z.string().trim().min(1).max(80).default("CLI"),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});

// POST /api/v1/auth/token - exchange email and password for a new personal access token
export const POST = api(async (request) => {
  const input = parseInput(body, await readJson(request));
  const db = getDb();
  const actor = await verifyCredentials(db, {
    email: input.email,
    password: input.password,
    clientAddress: clientAddress(request.headers),
  });
  if (!actor) throw new AppError("unauthorized", SIGN_IN_FAILED);
  const { token, listing } = await createUserToken(db, actor, { name: input.name, expiresInDays: input.expiresInDays });
  return Response.json({ token, id: listing.id, prefix: listing.prefix, user: actor }, { status: 201 });
});
