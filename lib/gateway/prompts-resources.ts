import type { Client } from "@modelcontextprotocol/client";
import { UriTemplate } from "@modelcontextprotocol/sdk/shared/uriTemplate.js";
import {
  type CompleteRequest,
  ErrorCode,
  McpError,
  type Prompt,
  type Resource,
  type ResourceTemplate,
} from "@modelcontextprotocol/sdk/types.js";
import { getLogger } from "@/lib/log";
import { listAllPages } from "@/lib/mcp/list-all-pages";
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
 * Each assignment exposes all, none or some of its server's prompts and resources (see
 * assignmentSchema): what it does not expose is neither listed nor reachable by name or URI.
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

/** Pure: whether an assignment exposes this prompt (by the server's name for it). */
export function promptExposed(a: Pick<LoadedAssignment, "prompts">, name: string): boolean {
  return a.prompts === null || a.prompts.includes(name);
}

/** Pure: whether an assignment exposes this resource URI: chosen by itself, or by a chosen template it matches. */
export function resourceExposed(a: Pick<LoadedAssignment, "resources">, uri: string): boolean {
  if (a.resources === null) return true;
  return a.resources.some((chosen) => {
    if (chosen === uri) return true;
    if (!UriTemplate.isTemplate(chosen)) return false;
    try {
      return new UriTemplate(chosen).match(uri) !== null;
    } catch {
      return false;
    }
  });
}

/** Pure: whether an assignment exposes this resource template (chosen by itself). */
export function templateExposed(a: Pick<LoadedAssignment, "resources">, template: string): boolean {
  return a.resources === null || a.resources.includes(template);
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
  // An assignment that exposes none is not asked (nor its server started).
  const exposing = assignments.filter((a) =>
    capability === "prompts" ? a.prompts?.length !== 0 : capability === "resources" ? a.resources?.length !== 0 : true,
  );
  const lists = await Promise.all(
    exposing.map(async (a) => {
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
    (
      await listAllPages(
        async (cursor) => {
          const page = await client.listPrompts(cursor ? { cursor } : {});
          return { items: page.prompts, nextCursor: page.nextCursor };
        },
        { what: `${a.item.name}'s prompt list` },
      )
    )
      .filter((p) => promptExposed(a, p.name))
      .map((p) => ({ ...p, name: exposedToolName(a.prefix, a.item.slug, p.name) })),
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
    if (upstreamName === null || !promptExposed(a, upstreamName)) continue;
    const client = await clientFor(ctx, a);
    if (!client) throw new McpError(ErrorCode.InvalidParams, `Connect ${a.item.name} first to use its prompts.`);
    return { client, upstreamName };
  }
  throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${name}`);
}

/**
 * The server behind a wrapped resource URI (or, for completions, template), and the caller's
 * connection to it. One the assignment does not expose is unknown, like one no server has.
 */
export async function resourceTarget(
  ctx: CallToolContext,
  assignments: LoadedAssignment[],
  uri: string,
  kind: "uri" | "template" = "uri",
) {
  const parsed = parseGatewayResourceUri(uri);
  const a = parsed && assignments.find((x) => prefixOf(x) === parsed.prefix);
  const exposed =
    parsed &&
    a &&
    (resourceExposed(a, parsed.original) || (kind === "template" && templateExposed(a, parsed.original)));
  if (!parsed || !a || !exposed) throw new McpError(ErrorCode.InvalidParams, `Unknown resource: ${uri.slice(0, 500)}`);
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
    (
      await listAllPages(
        async (cursor) => {
          const page = await client.listResources(cursor ? { cursor } : {});
          return { items: page.resources, nextCursor: page.nextCursor };
        },
        { what: `${a.item.name}'s resource list` },
      )
    )
      .filter((r) => resourceExposed(a, r.uri))
      .map((r) => ({ ...r, uri: gatewayResourceUri(prefixOf(a), r.uri) })),
  );
}

export function listResourceTemplates(
  ctx: CallToolContext,
  assignments: LoadedAssignment[],
): Promise<ResourceTemplate[]> {
  return eachReachable(ctx, assignments, "resources", async (client, a) =>
    (
      await listAllPages(
        async (cursor) => {
          const page = await client.listResourceTemplates(cursor ? { cursor } : {});
          return { items: page.resourceTemplates, nextCursor: page.nextCursor };
        },
        { what: `${a.item.name}'s resource template list` },
      )
    )
      .filter((t) => templateExposed(a, t.uriTemplate))
      .map((t) => ({ ...t, uriTemplate: gatewayResourceTemplate(prefixOf(a), t.uriTemplate) })),
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
  const { client, original } = await resourceTarget(ctx, assignments, params.ref.uri, "template");
  if (!client.getServerCapabilities()?.completions) return empty;
  return client.complete({ ...params, ref: { ...params.ref, uri: original } });
}
