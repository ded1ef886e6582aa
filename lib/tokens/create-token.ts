import type { Database } from "@/db";
import type { TokenListing } from "@/db/queries/tokens";
import { recordEvent } from "@/lib/audit/record-event";
import type { Actor } from "@/lib/auth/actor";
import { parseInput } from "@/lib/validation";
import { type CreateTokenInput, createTokenSchema } from "./schemas";
import { generateToken } from "./token-format";

/** Creates a personal token. The token itself is returned once and never stored. */
export async function createUserToken(
  db: Database,
  actor: Actor,
  input: CreateTokenInput,
): Promise<{ token: string; listing: TokenListing }> {
  const data = parseInput(createTokenSchema, input);
  const generated = generateToken("user");
  const expiresAt = data.expiresInDays ? new Date(Date.now() + data.expiresInDays * 86_400_000) : null;
  const row = await db
    .insertInto("access_tokens")
    .values({
      kind: "user",
      user_id: actor.id,
      name: data.name,
      prefix: generated.prefix,
      secret_hash: generated.hash,
      created_by: actor.id,
      expires_at: expiresAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordEvent(db, {
    action: "token.create",
    outcome: "ok",
    actor_user_id: actor.id,
    token_kind: "user",
    actor_token_id: row.id,
    details: { prefix: row.prefix },
  });
  const { secret_hash: _, ...listing } = row;
  return { token: generated.token, listing };
}
