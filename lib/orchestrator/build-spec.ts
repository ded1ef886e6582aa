import type { CatalogItemsTable, EnvVarSpec } from "@/db/schema";
import type { Selectable } from "kysely";
import type { CredentialSecret } from "@/lib/credentials/credential-secret";
import { instanceName } from "./names";
import { specHash } from "./spec-hash";
import type { InstanceSpec } from "./types";

export type CatalogItem = Selectable<CatalogItemsTable>;

export interface SpecInput {
  instanceId: string;
  item: Pick<
    CatalogItem,
    | "id"
    | "slug"
    | "command"
    | "args"
    | "image"
    | "image_pull_secret"
    | "transport"
    | "http_port"
    | "http_path"
    | "env_schema"
  >;
  credentialId: string;
  secret: CredentialSecret;
}

/**
 * Pure: the instance a catalog item and a credential describe. A value the person entered goes
 * to the secret part when the catalog marks it secret; defaults of variables nobody was asked
 * about are plain. Variables not in the catalog's schema are dropped.
 */
export function buildInstanceSpec(input: SpecInput): InstanceSpec {
  const { item, secret } = input;
  const env: Record<string, string> = {};
  const secretEnv: Record<string, string> = {};
  const given = secret.env ?? {};
  for (const variable of item.env_schema as EnvVarSpec[]) {
    const value = given[variable.name] ?? variable.default;
    if (value === undefined) continue;
    if (variable.secret) secretEnv[variable.name] = value;
    else env[variable.name] = value;
  }
  const base = {
    instanceId: input.instanceId,
    name: instanceName(item.slug, input.credentialId),
    serverId: item.id,
    serverSlug: item.slug,
    credentialId: input.credentialId,
    command: item.command,
    args: item.args,
    image: item.image,
    imagePullSecret: item.image_pull_secret,
    transport: item.transport ?? "stdio",
    httpPort: item.http_port,
    httpPath: item.http_path,
    env,
    secretEnv,
  };
  return { ...base, specHash: specHash(base) };
}
