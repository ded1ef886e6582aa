import { Client } from "@modelcontextprotocol/client";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { ErrorCode, McpError, ReadResourceRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import {
  type AskedServer,
  firstAnswer,
  NONE_CAPABLE,
  promptExposed,
  resourceExposed,
  templateExposed,
} from "./prompts-resources";
import { resourceNotFound } from "./resource-not-found";
import { saveAssignmentsSchema } from "./schemas";
import { readWhole } from "./whole-definitions";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A real MCP server that has some resources and answers others as its SDK and revision would. */
async function resourceServer(options: {
  has: string[];
  unknown?: (uri: string) => McpError;
  capabilities?: Record<string, unknown>;
}): Promise<AskedServer & { reads: string[] }> {
  const reads: string[] = [];
  const server = new Server({ name: "r", version: "1" }, { capabilities: options.capabilities ?? { resources: {} } });
  if (options.capabilities?.resources !== undefined || !options.capabilities)
    server.setRequestHandler(ReadResourceRequestSchema, async (req) => {
      reads.push(req.params.uri);
      if (options.has.includes(req.params.uri))
        return { contents: [{ uri: req.params.uri, text: `from ${options.has}` }] };
      throw (options.unknown ?? ((uri) => new McpError(ErrorCode.InvalidParams, `Resource ${uri} not found`)))(
        req.params.uri,
      );
    });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: "gateway", version: "1" });
  await client.connect(b);
  closers.push(() => client.close());
  return { reads, connect: async () => client };
}

const read = (servers: AskedServer[], uri: string): Promise<{ contents?: unknown[] } | typeof NONE_CAPABLE> =>
  firstAnswer(
    servers,
    () => resourceNotFound(uri, "2025-11-25"),
    (c) => !!c.getServerCapabilities()?.resources,
    (c) => readWhole(c, uri) as Promise<{ contents?: unknown[] }>,
  );

describe("a read asked of the servers that may have the URI, in turn", () => {
  it("goes past servers that answer not found, in either code, to the one that has it", async () => {
    const legacy = await resourceServer({ has: [], unknown: (uri) => new McpError(-32002, `no ${uri}`) });
    const modern = await resourceServer({ has: [] });
    const owner = await resourceServer({ has: ["demo://a"] });
    const later = await resourceServer({ has: ["demo://a"] });
    const result = await read([legacy, modern, owner, later], "demo://a");
    expect(result !== NONE_CAPABLE && result.contents).toEqual([{ uri: "demo://a", text: "from demo://a" }]);
    expect([legacy.reads, modern.reads, owner.reads, later.reads]).toEqual([
      ["demo://a"],
      ["demo://a"],
      ["demo://a"],
      [],
    ]);
  });

  it("stops at a server that answers with another error: that answer wins", async () => {
    const failing = await resourceServer({
      has: [],
      unknown: () => new McpError(ErrorCode.InternalError, "disk on fire"),
    });
    const owner = await resourceServer({ has: ["demo://a"] });
    await expect(read([failing, owner], "demo://a")).rejects.toThrow("disk on fire");
    expect(owner.reads).toEqual([]);
  });

  it("answers the revision's not-found when no server has it, and says which could not be asked", async () => {
    const a = await resourceServer({ has: [] });
    const err = (await read([a], "demo://nope").catch((e) => e)) as McpError;
    expect([err.code, err.data]).toEqual([-32002, { uri: "demo://nope" }]);
    const down: AskedServer = {
      connect: async () => {
        throw new Error("The server's instance could not be created.");
      },
    };
    await expect(read([down, a], "demo://nope")).rejects.toThrow("could not be created");
  });

  it("skips servers that do not offer resources, and says when none does", async () => {
    const toolsOnly = await resourceServer({ has: [], capabilities: { tools: {} } });
    const owner = await resourceServer({ has: ["demo://a"] });
    expect(await read([toolsOnly, owner], "demo://a")).toEqual({
      contents: [{ uri: "demo://a", text: "from demo://a" }],
    });
    expect(await read([toolsOnly], "demo://a")).toBe(NONE_CAPABLE);
  });

  it("tells the server that answered, so it is asked first next time", async () => {
    const owner = await resourceServer({ has: ["demo://a"] });
    let answered = 0;
    await read([{ ...owner, answered: () => answered++ }], "demo://a");
    expect(answered).toBe(1);
  });
});

describe("what an assignment exposes of a server's prompts and resources", () => {
  it("all, none, or chosen ones: a resource by its URI or by a chosen template it matches", () => {
    expect(promptExposed({ prompts: null }, "any")).toBe(true);
    expect(promptExposed({ prompts: [] }, "any")).toBe(false);
    expect(promptExposed({ prompts: ["simple-prompt"] }, "simple-prompt")).toBe(true);
    expect(promptExposed({ prompts: ["simple-prompt"] }, "args-prompt")).toBe(false);

    const chosen = { resources: ["demo://resource/static/document/a.md", "demo://resource/dynamic/text/{id}"] };
    expect(resourceExposed({ resources: null }, "file:///etc/passwd")).toBe(true);
    expect(resourceExposed({ resources: [] }, "demo://resource/static/document/a.md")).toBe(false);
    expect(resourceExposed(chosen, "demo://resource/static/document/a.md")).toBe(true);
    expect(resourceExposed(chosen, "demo://resource/static/document/b.md")).toBe(false);
    expect(resourceExposed(chosen, "demo://resource/dynamic/text/42")).toBe(true);
    expect(resourceExposed(chosen, "demo://resource/dynamic/text/42/../../static/document/b.md")).toBe(false);
    expect(templateExposed(chosen, "demo://resource/dynamic/text/{id}")).toBe(true);
    expect(templateExposed(chosen, "demo://resource/dynamic/blob/{id}")).toBe(false);
  });

  it("left out, they follow the tools: all with all tools, none with a chosen subset", () => {
    const parsed = saveAssignmentsSchema.parse({
      assignments: [
        { server: "a" },
        { server: "b", tools: ["echo"] },
        { server: "c", tools: ["echo"], prompts: "all", resources: ["x://1", "x://1"] },
        { server: "d", prompts: "none", resources: "none" },
      ],
    }).assignments;
    expect(parsed.map((a) => [a.prompts, a.resources])).toEqual([
      [null, null],
      [[], []],
      [null, ["x://1"]],
      [[], []],
    ]);
    expect(saveAssignmentsSchema.safeParse({ assignments: [{ server: "a", prompts: "some" }] }).success).toBe(false);
  });
});
