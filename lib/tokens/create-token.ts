import type { Database } from "@/db";
import type { TokenListing } from "@/db/queries/tokens";
import { findMembership } from "@/db/queries/teams";
import type { AccessToken, AccessTokensTable } from "@/db/schema";
import type { Insertable } from "kysely";
import { recordEvent } from "@/lib/audit/record-event";
import { type Actor, isAdmin } from "@/lib/auth/actor";
import { forbidden } from "@/lib/errors";
import { parseInput, uuidOrThrow } from "@/lib/validation";
import { type CreateTokenInput, createTokenSchema } from "./schemas";
import { generateToken } from "./token-format";

export type TokenOwner = { kind: "user" } | { kind: "team"; teamId: string } | { kind: "org" };

/** Personal tokens for anyone; team tokens for team admins; the org token for admins. */
async function assertMayCreate(db: Database, actor: Actor, owner: TokenOwner): Promise<void> {
  if (owner.kind === "org" && !isAdmin(actor)) throw forbidden("Only admins can create organisation tokens.");
  if (owner.kind === "team" && !isAdmin(actor)) {
    const role = (await findMembership(db, uuidOrThrow(owner.teamId, "Team"), actor.id))?.role;
    if (role !== "admin") throw forbidden("Only team admins can create tokens for their team.");
  }
}

/** Creates a token. The token itself is returned once and never stored. */
export async function createToken(
  db: Database,
  actor: Actor,
  owner: TokenOwner,
  input: CreateTokenInput,
): Promise<{ token: string; listing: TokenListing }> {
  const data = parseInput(createTokenSchema, input);
  await assertMayCreate(db, actor, owner);
  const expiresAt = data.expiresInDays ? new Date(Date.now() + data.expiresInDays * 86_400_000) : null;
  const { token, row, listing } = await insertToken(db, {
    kind: owner.kind,
    user_id: owner.kind === "user" ? actor.id : null,
    team_id: owner.kind === "team" ? owner.teamId : null,
    name: data.name,
    created_by: actor.id,
    expires_at: expiresAt,
  });
  await recordEvent(db, {
    action: "token.create",
    outcome: "ok",
    actor_user_id: actor.id,
    token_kind: row.kind,
    actor_token_id: row.id,
    team_id: row.team_id,
    details: { prefix: row.prefix },
  });
  return { token, listing };
}

/**
 * Stores a new token for `owner` (a row's fields but the secret): only its hash is kept; the
 * token itself is returned this once.
 */
export async function insertToken(
  db: Database,
  owner: Pick<Insertable<AccessTokensTable>, "kind" | "user_id" | "team_id" | "name" | "created_by" | "expires_at">,
): Promise<{ token: string; row: AccessToken; listing: TokenListing }> {
  const generated = generateToken(owner.kind);
  const row = await db
    .insertInto("access_tokens")
    .values({ ...owner, prefix: generated.prefix, secret_hash: generated.hash })
    .returningAll()
    .executeTakeFirstOrThrow();
  const { secret_hash: _, ...listing } = row;
  return { token: generated.token, row, listing };
}

/** A personal token for the actor. */
export const createUserToken = (db: Database, actor: Actor, input: CreateTokenInput) =>
  createToken(db, actor, { kind: "user" }, input);
