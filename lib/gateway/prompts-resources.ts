import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ErrorCode, McpError, type Prompt, type Resource } from "@modelcontextprotocol/sdk/types.js";
import { getLogger } from "@/lib/log";
import { type CallToolContext, resolveForCaller } from "./call-tool";
import type { LoadedAssignment } from "./load-gateway";
import { exposedToolName, SEPARATOR } from "./tool-names";
import { upstreamClient } from "./upstream";

/**
 * Prompts and resources of every assigned server, for the caller: listed live with the
 * credential the caller resolves to (servers they have no credential for are left out).
 * Prompt names are prefixed like tools; resource URIs are wrapped as
 * `mcp-gateway://<prefix>/<encoded URI>` so a read finds its server again.
 */
export const RESOURCE_SCHEME = "mcp-gateway";

const prefixOf = (a: LoadedAssignment) => (a.prefix === null || a.prefix === "" ? a.item.slug : a.prefix);

export function gatewayResourceUri(prefix: string, uri: string): string {
  return `${RESOURCE_SCHEME}://${encodeURIComponent(prefix)}/${encodeURIComponent(uri)}`;
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
  capability: "prompts" | "resources",
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

export async function getPrompt(
  ctx: CallToolContext,
  assignments: LoadedAssignment[],
  name: string,
  args?: Record<string, string>,
) {
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
    return client.getPrompt({ name: upstreamName, arguments: args });
  }
  throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${name}`);
}

export function listResources(ctx: CallToolContext, assignments: LoadedAssignment[]): Promise<Resource[]> {
  return eachReachable(ctx, assignments, "resources", async (client, a) =>
    (await client.listResources()).resources.map((r) => ({ ...r, uri: gatewayResourceUri(prefixOf(a), r.uri) })),
  );
}

export async function readResource(ctx: CallToolContext, assignments: LoadedAssignment[], uri: string) {
  const parsed = parseGatewayResourceUri(uri);
  const a = parsed && assignments.find((x) => prefixOf(x) === parsed.prefix);
  if (!parsed || !a) throw new McpError(ErrorCode.InvalidParams, `Unknown resource: ${uri}`);
  const client = await clientFor(ctx, a);
  if (!client) throw new McpError(ErrorCode.InvalidParams, `Connect ${a.item.name} first to read its resources.`);
  const result = await client.readResource({ uri: parsed.original });
  return { ...result, contents: result.contents.map((c) => ({ ...c, uri: gatewayResourceUri(parsed.prefix, c.uri) })) };
}
