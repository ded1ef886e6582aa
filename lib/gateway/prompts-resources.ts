import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  type CompleteRequest,
  ErrorCode,
  McpError,
  type Prompt,
  type Resource,
  type ResourceTemplate,
} from "@modelcontextprotocol/sdk/types.js";
import { getLogger } from "@/lib/log";
import { type CallToolContext, resolveForCaller } from "./call-tool";
import type { LoadedAssignment } from "./load-gateway";
import { exposedToolName, SEPARATOR } from "./tool-names";
import { upstreamClient } from "./upstream";

/**
 * Prompts and resources of every assigned server, for the caller: listed live with the
 * credential the caller resolves to (servers they have no credential for are left out).
 * Prompt names are prefixed like tools; resource URIs are wrapped as
 * `mcp-gateway://<prefix>/<encoded URI>` so a read finds its server again, and resource
 * templates the same way with their `{expressions}` left intact for the client to expand.
 */
export const RESOURCE_SCHEME = "mcp-gateway";

const prefixOf = (a: LoadedAssignment) => (a.prefix === null || a.prefix === "" ? a.item.slug : a.prefix);

export function gatewayResourceUri(prefix: string, uri: string): string {
  return `${RESOURCE_SCHEME}://${encodeURIComponent(prefix)}/${encodeURIComponent(uri)}`;
}

/** Wraps a URI template: literal parts encoded, expressions kept, so an expansion parses back. */
export function gatewayResourceTemplate(prefix: string, template: string): string {
  const wrapped = template
    .split(/(\{[^}]*\})/)
    .map((part) => (part.startsWith("{") ? part : encodeURIComponent(part)))
    .join("");
  return `${RESOURCE_SCHEME}://${encodeURIComponent(prefix)}/${wrapped}`;
}

export function parseGatewayResourceUri(uri: string): { prefix: string; original: string } | null {
  const m = new RegExp(`^${RESOURCE_SCHEME}://([^/]+)/(.+)$`).exec(uri);
  if (!m) return null;
  try {
    return { prefix: decodeURIComponent(m[1] as string), original: decodeURIComponent(m[2] as string) };
  } catch {
    return null;
  }
}

async function clientFor(ctx: CallToolContext, a: LoadedAssignment): Promise<Client | null> {
  const resolution = await resolveForCaller(ctx, a);
  if (resolution.kind !== "resolved") return null;
  return upstreamClient(ctx.db, ctx.orchestrator, ctx.keyring, a.item, resolution.credentialId);
}

/** Runs `work` for every assignment the caller can reach that offers `capability`; one failing server does not hide the others. */
async function eachReachable<T>(
  ctx: CallToolContext,
  assignments: LoadedAssignment[],
  capability: "prompts" | "resources" | "completions",
  work: (c: Client, a: LoadedAssignment) => Promise<T[]>,
): Promise<T[]> {
  const lists = await Promise.all(
    assignments.map(async (a) => {
      try {
        const client = await clientFor(ctx, a);
        if (!client?.getServerCapabilities()?.[capability]) return [];
        return await work(client, a);
      } catch (err) {
        getLogger().warn({ server: a.item.slug, err: (err as Error).message }, `could not list ${capability}`);
        return [];
      }
    }),
  );
  return lists.flat();
}

export function listPrompts(ctx: CallToolContext, assignments: LoadedAssignment[]): Promise<Prompt[]> {
  return eachReachable(ctx, assignments, "prompts", async (client, a) =>
    (await client.listPrompts()).prompts.map((p) => ({ ...p, name: exposedToolName(a.prefix, a.item.slug, p.name) })),
  );
}

/** The server behind an exposed prompt name, and the caller's connection to it. */
async function promptTarget(ctx: CallToolContext, assignments: LoadedAssignment[], name: string) {
  for (const a of assignments) {
    const exposedPrefix = a.prefix ?? a.item.slug;
    const upstreamName =
      exposedPrefix === ""
        ? name
        : name.startsWith(`${exposedPrefix}${SEPARATOR}`)
          ? name.slice(exposedPrefix.length + SEPARATOR.length)
          : null;
    if (upstreamName === null) continue;
    const client = await clientFor(ctx, a);
    if (!client) throw new McpError(ErrorCode.InvalidParams, `Connect ${a.item.name} first to use its prompts.`);
    return { client, upstreamName };
  }
  throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${name}`);
}

/** The server behind a wrapped resource URI or template, and the caller's connection to it. */
export async function resourceTarget(ctx: CallToolContext, assignments: LoadedAssignment[], uri: string) {
  const parsed = parseGatewayResourceUri(uri);
  const a = parsed && assignments.find((x) => prefixOf(x) === parsed.prefix);
  if (!parsed || !a) throw new McpError(ErrorCode.InvalidParams, `Unknown resource: ${uri}`);
  const client = await clientFor(ctx, a);
  if (!client) throw new McpError(ErrorCode.InvalidParams, `Connect ${a.item.name} first to read its resources.`);
  return { client, prefix: parsed.prefix, original: parsed.original };
}

export async function getPrompt(
  ctx: CallToolContext,
  assignments: LoadedAssignment[],
  name: string,
  args?: Record<string, string>,
) {
  const { client, upstreamName } = await promptTarget(ctx, assignments, name);
  return client.getPrompt({ name: upstreamName, arguments: args });
}

export function listResources(ctx: CallToolContext, assignments: LoadedAssignment[]): Promise<Resource[]> {
  return eachReachable(ctx, assignments, "resources", async (client, a) =>
    (await client.listResources()).resources.map((r) => ({ ...r, uri: gatewayResourceUri(prefixOf(a), r.uri) })),
  );
}

export function listResourceTemplates(
  ctx: CallToolContext,
  assignments: LoadedAssignment[],
): Promise<ResourceTemplate[]> {
  return eachReachable(ctx, assignments, "resources", async (client, a) =>
    (await client.listResourceTemplates()).resourceTemplates.map((t) => ({
      ...t,
      uriTemplate: gatewayResourceTemplate(prefixOf(a), t.uriTemplate),
    })),
  );
}

export async function readResource(ctx: CallToolContext, assignments: LoadedAssignment[], uri: string) {
  const { client, prefix, original } = await resourceTarget(ctx, assignments, uri);
  const result = await client.readResource({ uri: original });
  return { ...result, contents: result.contents.map((c) => ({ ...c, uri: gatewayResourceUri(prefix, c.uri) })) };
}

/** Argument completion for a prompt or resource template, answered by the server behind it. */
export async function complete(
  ctx: CallToolContext,
  assignments: LoadedAssignment[],
  params: CompleteRequest["params"],
) {
  const empty = { completion: { values: [], hasMore: false } };
  if (params.ref.type === "ref/prompt") {
    const { client, upstreamName } = await promptTarget(ctx, assignments, params.ref.name);
    if (!client.getServerCapabilities()?.completions) return empty;
    return client.complete({ ...params, ref: { ...params.ref, name: upstreamName } });
  }
  const { client, original } = await resourceTarget(ctx, assignments, params.ref.uri);
  if (!client.getServerCapabilities()?.completions) return empty;
  return client.complete({ ...params, ref: { ...params.ref, uri: original } });
}
