import {
  CLIENT_CAPABILITIES_META_KEY,
  type Client,
  type ClientCapabilities,
  type InputRequiredResult,
} from "@modelcontextprotocol/client";
import { upstreamEra } from "@/lib/mcp/upstream-era";
import type {
  GetPromptResult,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { listAllPages } from "@/lib/mcp/list-all-pages";
import type { ClientChannel } from "@/lib/mcp/relay/inflight";
import { orInputRequired, relayRequest, withoutServerIdentity } from "@/lib/mcp/relay/relay-call";

/*
 * Prompts, resources, templates, prompt messages and resource contents as their server sent
 * them: `_meta`, `icons`, `annotations`, `size`, and fields of later revisions or extensions
 * included. The v1 SDK's own result schemas drop every field they do not know, so the gateway
 * asks with these loose ones, which check only what it relies on.
 */
const cursor = z.string().optional();
const PromptsPage = z.looseObject({ prompts: z.array(z.looseObject({ name: z.string() })), nextCursor: cursor });
const ResourcesPage = z.looseObject({
  resources: z.array(z.looseObject({ uri: z.string(), name: z.string() })),
  nextCursor: cursor,
});
const TemplatesPage = z.looseObject({
  resourceTemplates: z.array(z.looseObject({ uriTemplate: z.string(), name: z.string() })),
  nextCursor: cursor,
});
const ReadResult = z.looseObject({ contents: z.array(z.looseObject({ uri: z.string() })) });
const PromptResult = z.looseObject({ messages: z.array(z.looseObject({ role: z.string(), content: z.unknown() })) });

/** How long a listing made only to find a URI's server may take. */
export interface ListOptions {
  timeoutMs?: number;
}

const requestOptions = (o?: ListOptions) => (o?.timeoutMs ? { timeout: o.timeoutMs } : undefined);

/** Every page of one list, each item whole: `key` names the page's array, `page` its loose schema. */
function listWhole<T>(
  client: Client,
  method: string,
  key: string,
  page: z.ZodType<Record<string, unknown> & { nextCursor?: string }>,
  what: string,
  o?: ListOptions,
): Promise<T[]> {
  return listAllPages(
    async (c) => {
      const p = await client.request({ method, params: c ? { cursor: c } : {} }, page, requestOptions(o));
      return { items: p[key] as T[], nextCursor: p.nextCursor };
    },
    { what },
  );
}

export const listPromptsWhole = (client: Client, what: string, o?: ListOptions) =>
  listWhole<Prompt>(client, "prompts/list", "prompts", PromptsPage, what, o);

export const listResourcesWhole = (client: Client, what: string, o?: ListOptions) =>
  listWhole<Resource>(client, "resources/list", "resources", ResourcesPage, what, o);

export const listTemplatesWhole = (client: Client, what: string, o?: ListOptions) =>
  listWhole<ResourceTemplate>(client, "resources/templates/list", "resourceTemplates", TemplatesPage, what, o);

/** A 2025-era caller who can be asked what a server asks while it answers a prompt or a read. */
export interface CallerRelay {
  channel: ClientChannel;
  principal: string;
  signal: AbortSignal;
  timeoutMs: number;
}

/** How a prompt or a read is asked: for a 2025 caller (`relay`) or a 2026-07-28 one (`passThrough`). */
export interface AskedAs {
  relay?: CallerRelay;
  passThrough?: PassThrough;
}

/**
 * One request whose server may ask for input while answering it (prompts/get, resources/read).
 * With `relay`, what the server asks (a 2025 server's requests, a 2026-07-28 server's
 * `input_required`) is asked of the caller, and the request completes with the answers. With
 * `passThrough` (a 2026-07-28 caller) and a 2026-07-28 server, an `input_required` answer comes
 * back as it came, and a retry carries the caller's answers and the server's state.
 */
async function askWhole<R>(
  client: Client,
  method: "prompts/get" | "resources/read",
  params: Record<string, unknown>,
  schema: z.ZodType<Record<string, unknown>>,
  { relay, passThrough }: AskedAs = {},
): Promise<R | InputRequiredResult> {
  if (relay)
    return (await relayRequest(client, relay.channel, {
      method,
      params,
      principal: relay.principal,
      signal: relay.signal,
      timeoutMs: relay.timeoutMs,
      schema,
    })) as R;
  if (!passThrough || upstreamEra(client) !== "modern")
    return withoutServerIdentity((await client.request({ method, params }, schema)) as R);
  return withoutServerIdentity(
    (await client.request(
      { method, params: { ...params, ...passThroughParams(passThrough) } },
      orInputRequired(schema),
      { allowInputRequired: true },
    )) as R | InputRequiredResult,
  );
}

/** A prompt's messages, each whole. */
export const getPromptWhole = (client: Client, name: string, args?: Record<string, string>, as?: AskedAs) =>
  askWhole<GetPromptResult>(client, "prompts/get", { name, ...(args ? { arguments: args } : {}) }, PromptResult, as);

/** A resource's contents, each whole, URIs as the server wrote them. */
export const readWhole = (client: Client, uri: string, as?: AskedAs) =>
  askWhole<ReadResourceResult>(client, "resources/read", { uri }, ReadResult, as);

/** A caller's own answers, state and declared capabilities, as a 2026-07-28 retry carries them. */
export interface PassThrough {
  inputResponses?: Record<string, unknown>;
  requestState?: string;
  capabilities?: ClientCapabilities;
}

export const passThroughParams = (p: PassThrough) => ({
  ...(p.capabilities ? { _meta: { [CLIENT_CAPABILITIES_META_KEY]: p.capabilities } } : {}),
  ...(p.inputResponses ? { inputResponses: p.inputResponses } : {}),
  ...(p.requestState !== undefined ? { requestState: p.requestState } : {}),
});
