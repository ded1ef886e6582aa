import { timingSafeEqual } from "node:crypto";

/** Constant-time comparison of two secrets as UTF-8 bytes (their lengths are not secret). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
