import { createHash, randomBytes } from "node:crypto";
import { sameSecret } from "@/lib/crypto";
import type { TokenKind } from "@/db/schema";

/**
 * Tokens look like `mcpo_u_3f9a1c2e_<43 random characters>`: a product marker (so secret
 * scanners can find leaked ones), the kind, a public lookup id, and 256 random bits.
 * Only the prefix (up to the lookup id) and a SHA-256 of the whole token are stored.
 */
const KIND_LETTER: Record<TokenKind, string> = { user: "u", team: "t", org: "o" };
const PATTERN = /^mcpo_([uto])_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedToken {
  token: string;
  prefix: string;
  hash: string;
}

export function generateToken(kind: TokenKind): GeneratedToken {
  const prefix = `mcpo_${KIND_LETTER[kind]}_${randomBytes(4).toString("hex")}`;
  const token = `${prefix}_${randomBytes(32).toString("base64url")}`;
  return { token, prefix, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** The stored prefix of a well-formed token, or null for anything else. */
export function tokenPrefix(token: string): string | null {
  const m = PATTERN.exec(token);
  return m ? `mcpo_${m[1]}_${m[2]}` : null;
}

/** Constant-time comparison of a presented token with a stored hash. */
export function tokenMatches(token: string, storedHash: string): boolean {
  return sameSecret(hashToken(token), storedHash);
}

/** `Authorization: Bearer <token>` → token, or null. */
export function bearerToken(header: string | null): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m?.[1] ?? null;
}
