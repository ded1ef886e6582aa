import { z } from "zod";
import type { Database } from "@/db";
import { findMembership } from "@/db/queries/teams";
import type { EnvVarSpec } from "@/db/schema";
import { recordEvent } from "@/lib/audit/record-event";
import { type Actor, isAdmin } from "@/lib/auth/actor";
import { credentialSecretContext, type Keyring, sealJson } from "@/lib/crypto";
import { AppError, forbidden, notFound } from "@/lib/errors";
import { findCatalogItem } from "@/lib/registry/create-catalog-item";
import { getReplicaBus } from "@/lib/replica-bus";
import { parseInput } from "@/lib/validation";
import type { CredentialSecret } from "./credential-secret";

const installSchema = z.object({
  scope: z.enum(["personal", "team"]).default("personal"),
  teamId: z.uuid({ message: "Choose a team." }).optional(),
  label: z.string().trim().max(100).default(""),
  env: z.record(z.string(), z.string().max(10_000)).default({}),
});
export type InstallInput = z.input<typeof installSchema>;

/**
 * Pure: checks entered values against the server's variables. Every required variable that
 * is asked at install needs a value (a field error per missing one); unknown ones are refused.
 */
export function validateEnvValues(schema: EnvVarSpec[], values: Record<string, string>): Record<string, string> {
  const fields: Record<string, string> = {};
  const known = new Map(schema.map((v) => [v.name, v]));
  for (const name of Object.keys(values)) {
    if (!known.get(name)?.prompt) fields[`env.${name}`] = "This server does not take this value.";
  }
  for (const v of schema) {
    if (v.prompt && v.required && !values[v.name]?.trim() && v.default === undefined) {
      fields[`env.${v.name}`] = `Enter ${v.name}${v.description ? ` (${v.description})` : ""}.`;
    }
  }
  if (Object.keys(fields).length) {
    const first = Object.values(fields)[0];
    throw new AppError("bad_request", first ?? "Check the values.", fields);
  }
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ""));
}

/**
 * Pure: what a credential holds for a server: local servers' variables; a remote server's
 * static header (its value entered under the header's name); nothing for an open remote server.
 * OAuth servers get their tokens through the sign-in flow instead.
 */
export function secretFor(
  item: {
    kind: "local" | "remote";
    auth_kind: string | null;
    auth_config: Record<string, unknown>;
    env_schema: EnvVarSpec[];
  },
  values: Record<string, string>,
): CredentialSecret {
  if (item.kind === "local") return { env: validateEnvValues(item.env_schema, values) };
  if (item.auth_kind === "none") return {};
  if (item.auth_kind === "header") {
    const header = String(item.auth_config.headerName ?? "Authorization");
    const value = values[header]?.trim();
    if (!value)
      throw new AppError("bad_request", `Enter the value of the ${header} header.`, {
        [`env.${header}`]: `Enter ${header}.`,
      });
    return { headers: { [header]: value } };
  }
  throw new AppError("bad_request", "This server is connected by signing in with it (OAuth), from the registry page.");
}

/**
 * Installing a server creates (or, for the same owner, replaces) a credential: values
 * validated against the server's variables, sealed and bound to the new row.
 */
export async function installCredential(
  db: Database,
  keyring: Keyring,
  actor: Actor,
  server: string,
  input: InstallInput,
): Promise<{ id: string; replaced: boolean; kind: "local" | "remote"; itemId: string }> {
  const item = await findCatalogItem(db, server);
  if (!item) throw notFound("Server");
  const data = parseInput(installSchema, input);
  await checkInstallScope(db, actor, data);
  return storeCredential(db, keyring, actor, item, data, secretFor(item, data.env));
}

/** Whether `actor` may install for the chosen owner: themselves, or a team they administer. */
export async function checkInstallScope(
  db: Database,
  actor: Actor,
  data: { scope: "personal" | "team"; teamId?: string },
): Promise<void> {
  if (data.scope !== "team") return;
  if (!data.teamId) throw new AppError("bad_request", "Choose a team.", { teamId: "Choose a team." });
  const role = (await findMembership(db, data.teamId, actor.id))?.role;
  if (role !== "admin" && !isAdmin(actor)) throw forbidden("Only team admins can install a server for their team.");
}

/**
 * Stores a credential's secret for its owner (scope checked already): a new row, or the
 * owner's existing credential for the server with its values replaced.
 */
export async function storeCredential(
  db: Database,
  keyring: Keyring,
  actor: Actor,
  item: { id: string; kind: "local" | "remote" },
  data: { scope: "personal" | "team"; teamId?: string; label?: string },
  secret: CredentialSecret,
): Promise<{ id: string; replaced: boolean; kind: "local" | "remote"; itemId: string }> {
  const label = data.label ?? "";
  const owner =
    data.scope === "team"
      ? { owner_user_id: null, owner_team_id: data.teamId ?? null }
      : { owner_user_id: actor.id, owner_team_id: null };

  // One active credential per owner and server: installing again replaces its values.
  let existing = db
    .selectFrom("credentials")
    .select("id")
    .where("catalog_item_id", "=", item.id)
    .where("status", "in", ["active", "expiring", "needs_reauth", "error"]);
  existing = owner.owner_user_id
    ? existing.where("owner_user_id", "=", owner.owner_user_id)
    : existing.where("owner_team_id", "=", owner.owner_team_id);
  const current = await existing.executeTakeFirst();
  const id = current?.id ?? crypto.randomUUID();
  const sealed = sealJson(keyring, secret, credentialSecretContext({ id, ...owner }));
  if (current) {
    await db
      .updateTable("credentials")
      .set({ sealed_secret: sealed, status: "active", status_reason: null, label, updated_at: new Date() })
      .where("id", "=", id)
      .execute();
  } else {
    await db
      .insertInto("credentials")
      .values({
        id,
        catalog_item_id: item.id,
        scope: data.scope,
        ...owner,
        label,
        sealed_secret: sealed,
        status: "active",
        created_by: actor.id,
      })
      .execute();
  }
  getReplicaBus().announce({ kind: "credentials-changed", itemId: item.id });
  await recordEvent(db, {
    action: current ? "credential.replace" : "credential.create",
    outcome: "ok",
    actor_user_id: actor.id,
    catalog_item_id: item.id,
    credential_id: id,
    team_id: owner.owner_team_id,
  });
  return { id, replaced: Boolean(current), kind: item.kind, itemId: item.id };
}
