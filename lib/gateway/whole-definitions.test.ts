import { Client } from "@modelcontextprotocol/client";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ReadResourceRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import {
  getPromptWhole,
  listPromptsWhole,
  listResourcesWhole,
  listTemplatesWhole,
  readWhole,
} from "./whole-definitions";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const icons = [{ src: "https://example.com/icon.png", mimeType: "image/png", sizes: ["48x48"] }];
const extension = { "x-vendor-extension": { kept: true } };
const PROMPT = { name: "greet", title: "Greet", icons, _meta: { origin: "test" }, ...extension };
const RESOURCE = {
  uri: "ui://get-time/mcp-app.html",
  name: "app",
  title: "The app",
  mimeType: "text/html;profile=mcp-app",
  size: 120,
  icons,
  annotations: { audience: ["user"], priority: 0.5 },
  _meta: { ui: { prefersBorder: true } },
  ...extension,
};
const TEMPLATE = { uriTemplate: "demo://item/{id}", name: "item", icons, _meta: { a: 1 }, ...extension };
const CONTENTS = {
  uri: RESOURCE.uri,
  mimeType: RESOURCE.mimeType,
  text: "<html></html>",
  _meta: { ui: {} },
  ...extension,
};
const MESSAGE = { role: "user", content: { type: "text", text: "hi", ...extension }, ...extension };

/** A server whose prompts and resources carry `_meta`, `icons` and a field no revision defines; two pages each. */
async function serverWithExtras() {
  const server = new Server({ name: "extras", version: "1" }, { capabilities: { prompts: {}, resources: {} } });
  const paged =
    <T>(key: string, item: T) =>
    async (req: { params?: { cursor?: string } }) =>
      req.params?.cursor ? { [key]: [item] } : { [key]: [], nextCursor: "2" };
  server.setRequestHandler(ListPromptsRequestSchema, paged("prompts", PROMPT) as never);
  server.setRequestHandler(ListResourcesRequestSchema, paged("resources", RESOURCE) as never);
  server.setRequestHandler(ListResourceTemplatesRequestSchema, paged("resourceTemplates", TEMPLATE) as never);
  server.setRequestHandler(ReadResourceRequestSchema, async () => ({ contents: [CONTENTS], ...extension }) as never);
  server.setRequestHandler(GetPromptRequestSchema, async () => ({ messages: [MESSAGE] }) as never);
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: "gateway", version: "1" });
  await client.connect(b);
  closers.push(() => client.close());
  return client;
}

describe("prompts, resources and templates pass whole", () => {
  it("listed across pages with every field their server sent", async () => {
    const client = await serverWithExtras();
    expect(await listPromptsWhole(client, "prompts")).toEqual([PROMPT]);
    expect(await listResourcesWhole(client, "resources")).toEqual([RESOURCE]);
    expect(await listTemplatesWhole(client, "templates")).toEqual([TEMPLATE]);
    // The SDK's own schemas would have dropped the extension field: the reason these exist.
    expect((await client.listResources({ cursor: "2" })).resources[0]).not.toHaveProperty("x-vendor-extension");
  });

  it("read and fetched with contents and messages whole, URIs as the server wrote them", async () => {
    const client = await serverWithExtras();
    expect(await readWhole(client, RESOURCE.uri)).toEqual({ contents: [CONTENTS], ...extension });
    expect((await getPromptWhole(client, "greet")).messages).toEqual([MESSAGE]);
  });
});
