import { z } from "zod";
import type { CatalogItemsTable, EnvVarSpec } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { isReservedEnvName, RESERVED_ENV_MESSAGE } from "@/lib/orchestrator/reserved-env";
import type { CatalogItemInput } from "./schemas";

/**
 * The official MCP Registry's `server.json` (schema 2025-12-11; the older snake_case field
 * names are read too) to and from catalog entries. Import takes the first package this app can
 * run (npm with npx, PyPI with uvx, an OCI image) or else the first streamable HTTP remote.
 * server.json has no field for a remote's OAuth sign-in, so it travels in `_meta` (publisher-provided).
 */
export const SERVER_JSON_SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json";
const PUBLISHER_META = "io.modelcontextprotocol.registry/publisher-provided";

const input = z.object({
  name: z.string().min(1, { message: "server.json needs a name." }),
  title: z.string().optional(),
  description: z.string().default(""),
  version: z.string().optional(),
  packages: z.array(z.record(z.string(), z.unknown())).default([]),
  remotes: z.array(z.record(z.string(), z.unknown())).default([]),
  _meta: z.unknown().optional(),
});

type Loose = Record<string, unknown>;
/** A field by its current camelCase name or its older snake_case one. */
const field = (o: Loose, camel: string): unknown =>
  o[camel] ?? o[camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

function envFrom(vars: unknown): EnvVarSpec[] {
  return (Array.isArray(vars) ? (vars as Loose[]) : []).map((v) => ({
    name: String(v.name ?? ""),
    secret: field(v, "isSecret") === true,
    required: field(v, "isRequired") === true,
    ...(str(v.default) !== undefined ? { default: str(v.default) } : {}),
    ...(str(v.description) ? { description: str(v.description) } : {}),
    prompt: true,
  }));
}

/** Fixed arguments: positional values and named flags with their values (hints are left to people). */
function argsFrom(list: unknown): string[] {
  return (Array.isArray(list) ? (list as Loose[]) : []).flatMap((a) => {
    const value = str(a.value) ?? str(a.default);
    if (a.type === "named") return [String(a.name ?? ""), ...(value !== undefined ? [value] : [])];
    return value !== undefined ? [value] : [];
  });
}

/** A remote's OAuth settings from `_meta`, as exported below: never a client secret. */
function oauthFrom(meta: unknown): { oauthClientId?: string; scopes?: string[] } | null {
  const object = (v: unknown) => (typeof v === "object" && v !== null ? (v as Loose) : undefined);
  const oauth = object(object(object(meta)?.[PUBLISHER_META])?.oauth);
  if (!oauth) return null;
  const clientId = str(oauth.clientId);
  const scopes = oauth.scopes;
  return {
    ...(clientId ? { oauthClientId: clientId } : {}),
    ...(Array.isArray(scopes) ? { scopes: scopes.filter((x): x is string => typeof x === "string") } : {}),
  };
}

const slugFrom = (name: string) =>
  (name.split("/").at(-1) ?? name)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48) || "server";

export function fromServerJson(json: unknown): CatalogItemInput {
  const parsed = input.safeParse(json);
  if (!parsed.success)
    throw new AppError("bad_request", parsed.error.issues[0]?.message ?? "This is not a server.json document.");
  const doc = parsed.data;
  const common = { name: doc.title || doc.name, slug: slugFrom(doc.name), description: doc.description };
  for (const pkg of doc.packages) {
    const type = field(pkg, "registryType");
    const id = str(pkg.identifier);
    if (!id) continue;
    const version = str(pkg.version);
    const transport = (field(pkg, "transport") as Loose | undefined)?.type;
    if (transport && transport !== "stdio") continue;
    const env = envFrom(field(pkg, "environmentVariables"));
    // Refused here too, so the import says which variable of the document is the problem.
    const reserved = env.find((v) => isReservedEnvName(v.name));
    if (reserved)
      throw new AppError("bad_request", `server.json sets the variable ${reserved.name}: ${RESERVED_ENV_MESSAGE}`, {
        serverJson: `The variable ${reserved.name}: ${RESERVED_ENV_MESSAGE}`,
      });
    const args = argsFrom(field(pkg, "packageArguments"));
    if (type === "npm")
      return {
        kind: "local",
        ...common,
        command: "npx",
        args: ["-y", version ? `${id}@${version}` : id, ...args],
        env,
      };
    if (type === "pypi")
      return { kind: "local", ...common, command: "uvx", args: [version ? `${id}@${version}` : id, ...args], env };
    if (type === "oci")
      return { kind: "local", ...common, image: version && !id.includes(":") ? `${id}:${version}` : id, args, env };
  }
  const remote = doc.remotes.find((r) => (r.type ?? r.transport_type) === "streamable-http");
  if (remote && str(remote.url)) {
    const url = String(remote.url);
    const oauth = oauthFrom(doc._meta);
    if (oauth) return { kind: "remote", ...common, url, authKind: "oauth", ...oauth };
    const header = (Array.isArray(remote.headers) ? (remote.headers as Loose[]) : []).find(
      (h) => field(h, "isSecret") === true || field(h, "isRequired") === true,
    );
    return {
      kind: "remote",
      ...common,
      url,
      ...(header ? { authKind: "header" as const, headerName: String(header.name) } : { authKind: "none" as const }),
    };
  }
  throw new AppError(
    "bad_request",
    "server.json offers nothing this registry can run: it needs an npm, PyPI or OCI package over stdio, or a streamable HTTP remote.",
  );
}

type Item = Pick<
  CatalogItemsTable,
  "kind" | "command" | "image" | "url" | "auth_kind" | "transport" | "http_port" | "http_path"
> & {
  slug: string;
  name: string;
  description: string;
  args: string[];
  env_schema: EnvVarSpec[];
  auth_config: Record<string, unknown>;
};

/** A catalog entry as server.json. Commands that are not npx or uvx are described in `_meta`. */
export function toServerJson(item: Item, namespace: string): Record<string, unknown> {
  const environmentVariables = item.env_schema.map((v) => ({
    name: v.name,
    ...(v.description ? { description: v.description } : {}),
    isRequired: v.required,
    isSecret: v.secret,
    ...(v.default !== undefined ? { default: v.default } : {}),
  }));
  const base = {
    $schema: SERVER_JSON_SCHEMA,
    name: `${namespace}/${item.slug}`,
    title: item.name,
    description: item.description,
    version: "1.0.0",
  };
  if (item.kind === "remote") {
    const headerName = str(item.auth_config.headerName);
    // The configured client id and scopes; a client secret and the app's own registrations stay here.
    const { clientId, scopes } = item.auth_config;
    const oauth = {
      ...(typeof clientId === "string" ? { clientId } : {}),
      ...(Array.isArray(scopes) ? { scopes } : {}),
    };
    return {
      ...base,
      remotes: [
        {
          type: "streamable-http",
          url: item.url,
          ...(item.auth_kind === "header"
            ? { headers: [{ name: headerName ?? "Authorization", isRequired: true, isSecret: true }] }
            : {}),
        },
      ],
      ...(item.auth_kind === "oauth" ? { _meta: { [PUBLISHER_META]: { oauth } } } : {}),
    };
  }
  const registryType = item.image ? "oci" : item.command === "npx" ? "npm" : item.command === "uvx" ? "pypi" : null;
  if (!registryType)
    return {
      ...base,
      _meta: {
        [PUBLISHER_META]: {
          command: item.command,
          args: item.args,
          environmentVariables,
        },
      },
    };
  // npx -y <package>[@version] args… | uvx <package>[@version] args… | image[:version] args…
  const runArgs = registryType === "npm" && item.args[0] === "-y" ? item.args.slice(1) : item.args;
  const [spec = "", ...args] = registryType === "oci" ? [item.image ?? "", ...item.args] : runArgs;
  const at = spec.lastIndexOf(registryType === "oci" ? ":" : "@");
  const [identifier, version] = at > 0 ? [spec.slice(0, at), spec.slice(at + 1)] : [spec, undefined];
  return {
    ...base,
    packages: [
      {
        registryType,
        identifier,
        ...(version ? { version } : {}),
        transport: { type: "stdio" },
        ...(registryType !== "oci" ? { runtimeHint: registryType === "npm" ? "npx" : "uvx" } : {}),
        ...(args.length ? { packageArguments: args.map((value) => ({ type: "positional", value })) } : {}),
        ...(environmentVariables.length ? { environmentVariables } : {}),
      },
    ],
  };
}
