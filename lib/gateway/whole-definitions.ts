import {
  CLIENT_CAPABILITIES_META_KEY,
  type Client,
  type ClientCapabilities,
  type InputRequiredResult,
  withInputRequired,
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
import { relayRequest } from "@/lib/mcp/relay/relay-call";

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

/** A resource's contents, each whole, URIs as the server wrote them. */
export async function readWhole(client: Client, uri: string): Promise<ReadResourceResult> {
  return (await client.request({ method: "resources/read", params: { uri } }, ReadResult)) as ReadResourceResult;
}

/** A 2025-era caller who can be asked what the prompt's server asks while it answers. */
export interface PromptRelay {
  channel: ClientChannel;
  principal: string;
  signal: AbortSignal;
  timeoutMs: number;
}

/**
 * A prompt's messages, each whole. With `relay`, what the server asks (a 2025 server's requests,
 * a 2026-07-28 server's `input_required`) is asked of the caller, and the prompt completes with
 * the answers. With `passThrough` (a 2026-07-28 caller) and a 2026-07-28
 * server, an `input_required` answer comes back as it came, and a retry carries the caller's
 * answers and the server's state.
 */
export async function getPromptWhole(
  client: Client,
  name: string,
  args?: Record<string, string>,
  passThrough?: PassThrough,
  relay?: PromptRelay,
): Promise<GetPromptResult | InputRequiredResult> {
  const params = { name, ...(args ? { arguments: args } : {}) };
  if (relay)
    return (await relayRequest(client, relay.channel, {
      method: "prompts/get",
      params,
      principal: relay.principal,
      signal: relay.signal,
      timeoutMs: relay.timeoutMs,
      schema: PromptResult,
    })) as GetPromptResult;
  if (!passThrough || upstreamEra(client) !== "modern")
    return (await client.request({ method: "prompts/get", params }, PromptResult)) as GetPromptResult;
  return (await client.request(
    { method: "prompts/get", params: { ...params, ...passThroughParams(passThrough) } },
    withInputRequired(PromptResult),
    { allowInputRequired: true },
  )) as GetPromptResult | InputRequiredResult;
}

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
