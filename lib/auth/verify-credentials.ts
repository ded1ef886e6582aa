import type { Database } from "@/db";
import { findUserByEmail } from "@/db/queries/users";
import { AppError } from "@/lib/errors";
import { getLogger } from "@/lib/log";
import { type Actor, toActor } from "./actor";
import { verifyAgainstDummy, verifyPassword } from "./password";
import { getLoginThrottle, type LoginThrottle, throttleKeys } from "./throttle";

export const SIGN_IN_FAILED = "Email or password is incorrect.";

export interface VerifyCredentialsOptions {
  email: string;
  password: string;
  clientAddress: string | null;
  throttle?: LoginThrottle;
  sleep?: (ms: number) => Promise<void>;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Checks an email and password. Every failure looks the same to the caller (no hint whether
 * the account exists), and repeated failures are slowed down.
 */
export async function verifyCredentials(db: Database, options: VerifyCredentialsOptions): Promise<Actor | null> {
  const throttle = options.throttle ?? getLoginThrottle();
  const keys = throttleKeys(options.email, options.clientAddress);
  const { delayMs, blocked } = throttle.check(keys);
  if (blocked) {
    getLogger().warn({ clientAddress: options.clientAddress }, "sign-in refused: too many failures");
    throw new AppError("rate_limited", "Too many failed sign-ins. Try again in 15 minutes.");
  }
  if (delayMs > 0) await (options.sleep ?? wait)(delayMs);

  const user = await findUserByEmail(db, options.email);
  const ok =
    user?.password_hash && !user.disabled_at
      ? await verifyPassword(options.password, user.password_hash)
      : await verifyAgainstDummy(options.password);
  if (!ok || !user) {
    throttle.recordFailure(keys);
    getLogger().info({ clientAddress: options.clientAddress }, "sign-in failed");
    return null;
  }
  throttle.recordSuccess(keys);
  return toActor(user);
}
