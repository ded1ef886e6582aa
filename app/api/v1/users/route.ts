import { getDb } from "@/db";
import { listUsers } from "@/db/queries/users";
import { isAdmin } from "@/lib/auth/actor";
import { forbidden } from "@/lib/errors";
import { api, readJson, requireApiActor } from "@/lib/http/api";
import { createUser } from "@/lib/users/create-user";
import { publicUser } from "@/lib/users/public-user";

// GET /api/v1/users - every account (admins)
export const GET = api(async (request) => {
  const actor = await requireApiActor(request);
  if (!isAdmin(actor)) throw forbidden("Only admins can list users.");
  const users = await listUsers(getDb());
  return Response.json({ users: users.map(publicUser) });
});

// POST /api/v1/users - create an account with a password (admins)
export const POST = api(async (request) => {
  const actor = await requireApiActor(request);
  const user = await createUser(getDb(), actor, (await readJson(request)) as never);
  return Response.json({ user }, { status: 201 });
});
