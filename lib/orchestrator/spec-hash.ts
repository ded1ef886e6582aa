import { createHash } from "node:crypto";
import type { InstanceSpec } from "./types";

/** A digest of everything that shapes the running instance (secrets included, never shown). */
export function specHash(spec: Omit<InstanceSpec, "specHash">): string {
  const canonical = JSON.stringify([
    spec.command,
    spec.args,
    spec.image,
    spec.imagePullSecret,
    spec.transport,
    spec.httpPort,
    spec.httpPath,
    Object.entries(spec.env).sort(),
    Object.entries(spec.secretEnv).sort(),
  ]);
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}
