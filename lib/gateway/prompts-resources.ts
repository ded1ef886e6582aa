import type { Client, InputRequiredResult } from "@modelcontextprotocol/client";
import {
  type CompleteRequest,
  type CompleteResult,
  ErrorCode,
  McpError,
  type Prompt,
  type ReadResourceResult,
  type Resource,
  type ResourceTemplate,
} from "@modelcontextprotocol/sdk/types.js";
import { getLogger } from "@/lib/log";
import { type CallToolContext, resolveForCaller } from "./call-tool";
import type { LoadedAssignment } from "./load-gateway";
import { resourceNotFound, isResourceNotFound } from "./resource-not-found";
import {
  knownListing,
  type Listing,
  listingKey,
  orderByOwnership,
  rememberAnswer,
  rememberListing,
  templateMatches,
} from "./resource-owners";
import { subscribe } from "./subscriptions";
import { exposedToolName, SEPARATOR } from "./tool-names";
import { upstreamClient } from "@/lib/orchestrator/upstream-client";
import {
  getPromptWhole,
  listPromptsWhole,
  listResourcesWhole,
  listTemplatesWhole,
  type AskedAs,
  readWhole,
} from "./whole-definitions";
import { withoutServerIdentity } from "@/lib/mcp/relay/relay-call";

/**
 * Prompts and resources of every assigned server, for the caller: listed live with the
 * credential the caller resolves to (servers they have no credential for are left out), each
 * as its server described it. Prompt names are prefixed like tools. Resource URIs and templates
 * are the servers' own, since clients meet them inside tool results (`resource_link`, embedded
 * resources) and tools' `_meta` (MCP Apps' `ui://` resources): a read goes to the server that
 * listed the URI or has a template matching it, then to the others (resource-owners.ts).
 * Each assignment exposes all, none or some of its server's prompts and resources (see
 * assignmentSchema): what it does not expose is neither listed nor reachable by name or URI.
 */

/** How long a listing made only to find which server has a URI may take. */
export const OWNER_LISTING_TIMEOUT_MS = 5000;

/** Pure: whether an assignment exposes this prompt (by the server's name for it). */
export function promptExposed(a: Pick<LoadedAssignment, "prompts">, name: string): boolean {
  return a.prompts === null || a.prompts.includes(name);
}

/** Pure: whether an assignment exposes this resource URI: chosen by itself, or by a chosen template it matches. */
export function resourceExposed(a: Pick<LoadedAssignment, "resources">, uri: string): boolean {
  if (a.resources === null) return true;
  return a.resources.some((chosen) => chosen === uri || templateMatches(chosen, uri));
}

/** Pure: whether an assignment exposes this resource template (chosen by itself). */
export function templateExposed(a: Pick<LoadedAssignment, "resources">, template: string): boolean {
  return a.resources === null || a.resources.includes(template);
}

/** The caller's credential for an assignment's server, if they have one. */
async function credentialFor(ctx: CallToolContext, a: LoadedAssignment): Promise<string | null> {
  const resolution = await resolveForCaller(ctx, a);
  return resolution.kind === "resolved" ? resolution.credentialId : null;
}

const connect = (ctx: CallToolContext, a: LoadedAssignment, credentialId: string) =>
  upstreamClient(ctx.db, ctx.orchestrator, ctx.keyring, a.item, credentialId, ctx.callerEra);

/** Runs `work` for every assignment the caller can reach that offers `capability`; one failing server does not hide the others. */
async function eachReachable<T>(
  ctx: CallToolContext,
  assignments: LoadedAssignment[],
  capability: "prompts" | "resources",
  work: (c: Client, a: LoadedAssignment, credentialId: string) => Promise<T[]>,
): Promise<T[]> {
  // An assignment that exposes none is not asked (nor its server started).
  const exposing = assignments.filter((a) => (capability === "prompts" ? a.prompts : a.resources)?.length !== 0);
  const lists = await Promise.all(
    exposing.map(async (a) => {
      try {
        const credentialId = await credentialFor(ctx, a);
        if (!credentialId) return [];
        const client = await connect(ctx, a, credentialId);
        if (!client.getServerCapabilities()?.[capability]) return [];
        return await work(client, a, credentialId);
      } catch (err) {
        getLogger().warn({ server: a.item.slug, err: (err as Error).message }, `could not list ${capability}`);
        return [];
      }
    }),
  );
  return lists.flat();
}

/** Pure: the first entry under each key (the earlier assignment keeps a URI two servers list). */
function firstByKey<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => !seen.has(key(t)) && seen.add(key(t)));
}

export function listPrompts(ctx: CallToolContext, assignments: LoadedAssignment[]): Promise<Prompt[]> {
  return eachReachable(ctx, assignments, "prompts", async (client, a) =>
    (await listPromptsWhole(client, `${a.item.name}'s prompt list`))
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
    const credentialId = await credentialFor(ctx, a);
    if (!credentialId) throw new McpError(ErrorCode.InvalidParams, `Connect ${a.item.name} first to use its prompts.`);
    return { client: await connect(ctx, a, credentialId), upstreamName };
  }
  throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${name.slice(0, 500)}`);
}

export async function getPrompt(
  ctx: CallToolContext,
  assignments: LoadedAssignment[],
  name: string,
  args?: Record<string, string>,
  as?: AskedAs,
) {
  const { client, upstreamName } = await promptTarget(ctx, assignments, name);
  return getPromptWhole(client, upstreamName, args, as);
}

export async function listResources(ctx: CallToolContext, assignments: LoadedAssignment[]): Promise<Resource[]> {
  const all = await eachReachable(ctx, assignments, "resources", async (client, a, credentialId) => {
    const listed = await listResourcesWhole(client, `${a.item.name}'s resource list`);
    rememberListing(listingKey(a.id, credentialId), { uris: listed.map((r) => r.uri) });
    return listed.filter((r) => resourceExposed(a, r.uri));
  });
  return firstByKey(all, (r) => r.uri);
}

export async function listResourceTemplates(
  ctx: CallToolContext,
  assignments: LoadedAssignment[],
): Promise<ResourceTemplate[]> {
  const all = await eachReachable(ctx, assignments, "resources", async (client, a, credentialId) => {
    const listed = await listTemplatesWhole(client, `${a.item.name}'s resource template list`);
    rememberListing(listingKey(a.id, credentialId), { templates: listed.map((t) => t.uriTemplate) });
    return listed.filter((t) => templateExposed(a, t.uriTemplate));
  });
  return firstByKey(all, (t) => t.uriTemplate);
}

/** A resource URI (or a template, for completions), and the revision the caller speaks. */
export interface ResourceRef {
  uri: string;
  kind: "uri" | "template";
  protocolVersion?: string;
}

interface Candidate {
  a: LoadedAssignment;
  credentialId: string;
  key: string;
  listing?: Listing;
}

/** What each server lists, where more than one might have the URI and it is not known yet. */
async function learnListings(ctx: CallToolContext, candidates: Candidate[], kind: "uri" | "template") {
  await Promise.all(
    candidates.map(async (c) => {
      const known = knownListing(c.key);
      const needUris = kind === "uri" && !known?.uris;
      if (!needUris && known?.templates) return;
      try {
        const client = await connect(ctx, c.a, c.credentialId);
        if (!client.getServerCapabilities()?.resources) return rememberListing(c.key, { uris: [], templates: [] });
        const what = `${c.a.item.name}'s resource list`;
        const options = { timeoutMs: OWNER_LISTING_TIMEOUT_MS };
        const [uris, templates] = await Promise.all([
          needUris ? listResourcesWhole(client, what, options).then((l) => l.map((r) => r.uri)) : undefined,
          known?.templates
            ? undefined
            : listTemplatesWhole(client, what, options).then((l) => l.map((t) => t.uriTemplate)),
        ]);
        rememberListing(c.key, { uris, templates });
      } catch (err) {
        // Not known for a while: the server is still asked, after those that listed the URI,
        // and later reads do not wait for its listing again.
        rememberListing(c.key, { uris: needUris ? [] : undefined, templates: known?.templates ? undefined : [] });
        getLogger().warn({ server: c.a.item.slug, err: (err as Error).message }, "could not list resources");
      }
    }),
  );
}

/** No exposing server the caller can reach offers what was asked (reading, subscribing, completing). */
export const NONE_CAPABLE = Symbol("none capable");

/** A server that may have a resource, in the order it is asked. */
export interface AskedServer {
  connect(): Promise<Client>;
  /** Called when it answered a read: it is asked first next time. */
  answered?(): void;
}

/**
 * Asks servers in turn: the first answer that is not "not found" wins (an answer, or an error
 * that is not "not found"). Servers that do not offer what is asked are skipped. When none
 * answers: the error of a server that could not be reached (it may have had the resource),
 * NONE_CAPABLE when none offers it, or the revision's resource-not-found error.
 */
export async function firstAnswer<T>(
  servers: AskedServer[],
  notFound: () => Error,
  capable: (client: Client) => boolean,
  ask: (client: Client) => Promise<T>,
): Promise<T | typeof NONE_CAPABLE> {
  let anyCapable = false;
  let unreachable: unknown;
  for (const server of servers) {
    let client: Client;
    try {
      client = await server.connect();
    } catch (err) {
      unreachable ??= err;
      continue;
    }
    if (!capable(client)) continue;
    anyCapable = true;
    try {
      const answer = await ask(client);
      server.answered?.();
      return answer;
    } catch (err) {
      if (!isResourceNotFound(err)) throw err;
    }
  }
  if (unreachable) throw unreachable;
  if (!anyCapable && servers.length) return NONE_CAPABLE;
  throw notFound();
}

/**
 * Asks the servers that may have a resource, owner first (resource-owners.ts), then the others
 * exposing it in assignment order (see firstAnswer). A URI no assignment exposes is unknown,
 * like one no server has.
 */
async function askInTurn<T>(
  ctx: CallToolContext,
  assignments: LoadedAssignment[],
  ref: ResourceRef,
  capable: (client: Client) => boolean,
  ask: (client: Client) => Promise<T>,
  turn: { only?: string; answeredBy?: (assignmentId: string) => void } = {},
): Promise<T | typeof NONE_CAPABLE> {
  const exposing = assignments.filter(
    (a) =>
      (turn.only === undefined || a.id === turn.only) &&
      (ref.kind === "uri" ? resourceExposed(a, ref.uri) : templateExposed(a, ref.uri)),
  );
  const candidates: Candidate[] = [];
  const unconnected: string[] = [];
  for (const a of exposing) {
    const credentialId = await credentialFor(ctx, a);
    if (credentialId) candidates.push({ a, credentialId, key: listingKey(a.id, credentialId) });
    else unconnected.push(a.item.name);
  }
  if (candidates.length > 1) await learnListings(ctx, candidates, ref.kind);
  for (const c of candidates) c.listing = knownListing(c.key);
  const hint = unconnected.length ? `It may be offered by ${unconnected.join(", ")}: connect it first.` : undefined;
  return firstAnswer(
    orderByOwnership(ref.uri, ref.kind, candidates).map((c) => ({
      connect: () => connect(ctx, c.a, c.credentialId),
      answered: () => {
        if (ref.kind === "uri") rememberAnswer(c.key, ref.uri);
        turn.answeredBy?.(c.a.id);
      },
    })),
    () => resourceNotFound(ref.uri, ref.protocolVersion, hint),
    capable,
    ask,
  );
}

/**
 * A resource's contents from the server that has it, asked as `as` says (what the server asks
 * while answering reaches the caller). A 2026-07-28 retry goes to the server that asked
 * (`turn.only`, an assignment id), and no other: its answers and state are that server's alone.
 */
export async function readResource(
  ctx: CallToolContext,
  assignments: LoadedAssignment[],
  ref: Omit<ResourceRef, "kind">,
  as?: AskedAs,
  turn?: { only?: string; answeredBy?: (assignmentId: string) => void },
): Promise<ReadResourceResult | InputRequiredResult> {
  const answer = await askInTurn(
    ctx,
    assignments,
    { ...ref, kind: "uri" },
    (client) => !!client.getServerCapabilities()?.resources,
    (client) => readWhole(client, ref.uri, as),
    turn,
  );
  if (answer === NONE_CAPABLE) throw resourceNotFound(ref.uri, ref.protocolVersion);
  return answer;
}

/** Subscribes a session to a resource on the server that has it (see subscriptions.ts). */
export async function subscribeResource(
  ctx: CallToolContext,
  assignments: LoadedAssignment[],
  who: { session: string; tokenId: string },
  ref: Omit<ResourceRef, "kind">,
): Promise<void> {
  const answer = await askInTurn(
    ctx,
    assignments,
    { ...ref, kind: "uri" },
    (client) => !!client.getServerCapabilities()?.resources?.subscribe,
    (client) => subscribe(who, ref.uri, client),
  );
  if (answer === NONE_CAPABLE)
    throw new McpError(ErrorCode.InvalidRequest, "This resource's server does not offer subscriptions.");
}

/** Argument completion for a prompt or resource template, answered by the server behind it. */
export async function complete(
  ctx: CallToolContext,
  assignments: LoadedAssignment[],
  params: CompleteRequest["params"],
  protocolVersion?: string,
): Promise<CompleteResult> {
  const empty = { completion: { values: [], hasMore: false } };
  const offers = (client: Client) => !!client.getServerCapabilities()?.completions;
  if (params.ref.type === "ref/prompt") {
    const { client, upstreamName } = await promptTarget(ctx, assignments, params.ref.name);
    if (!offers(client)) return empty;
    return withoutServerIdentity(await client.complete({ ...params, ref: { ...params.ref, name: upstreamName } }));
  }
  const answer = await askInTurn(
    ctx,
    assignments,
    { uri: params.ref.uri, kind: "template", protocolVersion },
    offers,
    (client) => client.complete(params),
  );
  return answer === NONE_CAPABLE ? empty : answer;
}
