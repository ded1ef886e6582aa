import { randomBytes } from "node:crypto";
import type Provider from "oidc-provider";
import { z } from "zod";
import type { Database } from "@/db";
import { recordEvent } from "@/lib/audit/record-event";
import { type Actor, isAdmin } from "@/lib/auth/actor";
import type { Keyring } from "@/lib/crypto";
import { AppError, forbidden, notFound } from "@/lib/errors";
import { parseInput } from "@/lib/validation";
import { revokeConnectedApps } from "./connected-apps";
import { deletePermanentClient, permanentClients, savePermanentClient } from "./storage-adapter";

/**
 * Clients an admin registers ahead of time (an internal agent, a client that neither publishes a
 * metadata document nor registers itself): public clients with PKCE, like every other, kept until
 * an admin removes them. Removing one disconnects everyone who connected it.
 */
export const registerClientSchema = z.object({
  name: z
    .string({ message: "Name the client as people will see it on the consent page." })
    .trim()
    .min(1, { message: "Name the client as people will see it on the consent page." })
    .max(80, { message: "Use at most 80 characters." }),
  redirectUris: z
    .array(z.string().trim().url({ message: "Each redirect URI must be an absolute URL." }), {
      message: "List the client's redirect URIs.",
    })
    .min(1, { message: "List at least one redirect URI." })
    .max(10, { message: "Use at most 10 redirect URIs." }),
});

export interface RegisteredClient {
  clientId: string;
  name: string;
  redirectUris: string[];
}

const asRegistered = (metadata: Record<string, unknown>): RegisteredClient => ({
  clientId: String(metadata.client_id),
  name: String(metadata.client_name ?? ""),
  redirectUris: (metadata.redirect_uris as string[] | undefined) ?? [],
});

function requireAdmin(actor: Actor): void {
  if (!isAdmin(actor)) throw forbidden("Only admins can register OAuth clients.");
}

/** Registers a client (admins); its metadata is checked as oidc-provider checks any client's. */
export async function registerClient(
  provider: Provider,
  db: Database,
  keyring: Keyring,
  actor: Actor,
  input: unknown,
): Promise<RegisteredClient> {
  requireAdmin(actor);
  const data = parseInput(registerClientSchema, input);
  const metadata = {
    client_id: `app_${randomBytes(12).toString("base64url")}`,
    client_name: data.name,
    redirect_uris: data.redirectUris,
    token_endpoint_auth_method: "none" as const,
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code" as const],
  };
  try {
    await (provider.Client as unknown as { validate(m: unknown): Promise<void> }).validate(metadata);
  } catch (err) {
    const description = (err as { error_description?: string }).error_description ?? (err as Error).message;
    throw new AppError("bad_request", `redirectUris: ${description}`, { redirectUris: description });
  }
  await savePermanentClient(db, keyring, metadata.client_id, metadata);
  await recordEvent(db, {
    action: "oauth_client.register",
    outcome: "ok",
    actor_user_id: actor.id,
    details: { client: metadata.client_id, name: data.name },
  });
  return asRegistered(metadata);
}

export async function listRegisteredClients(db: Database, keyring: Keyring, actor: Actor): Promise<RegisteredClient[]> {
  requireAdmin(actor);
  return (await permanentClients(db, keyring)).map(asRegistered);
}

/** Removes a client an admin registered, and disconnects every connected app of it. */
export async function removeRegisteredClient(db: Database, actor: Actor, clientId: string): Promise<void> {
  requireAdmin(actor);
  if (!(await deletePermanentClient(db, clientId))) throw notFound("Registered client");
  const disconnected = await revokeConnectedApps(db, { clientId });
  await recordEvent(db, {
    action: "oauth_client.remove",
    outcome: "ok",
    actor_user_id: actor.id,
    details: { client: clientId, disconnected },
  });
}
