import { Client } from "@modelcontextprotocol/client";
import { InMemoryTransport } from "@modelcontextprotocol/client";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { listAllTools } from "@/lib/orchestrator/discover-tools";
import { listAllPages } from "./list-all-pages";

/** A server whose tools/list answers pages as `next` says: a cursor (or none) for the page asked. */
async function serverWithPages(next: (cursor: string | undefined, asked: number) => string | undefined) {
  const server = new Server({ name: "pages", version: "1" }, { capabilities: { tools: {} } });
  let asked = 0;
  server.setRequestHandler(ListToolsRequestSchema, async (req) => {
    asked += 1;
    const nextCursor = next(req.params?.cursor, asked);
    return {
      tools: [{ name: `t${asked}`, inputSchema: { type: "object" as const } }],
      ...(nextCursor === undefined ? {} : { nextCursor }),
    };
  });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: "t", version: "1" });
  await client.connect(b);
  return { client, asked: () => asked };
}

describe("listing every page of a server's list", () => {
  it("follows cursors to the end", async () => {
    const { client } = await serverWithPages((_, asked) => (asked < 3 ? `p${asked}` : undefined));
    expect((await listAllTools(client)).map((t) => t.name)).toEqual(["t1", "t2", "t3"]);
  });

  it("refuses a server that hands back a cursor it already gave", async () => {
    const { client, asked } = await serverWithPages(() => "again");
    await expect(listAllTools(client)).rejects.toThrow("never ends: the server gave the same page cursor twice");
    expect(asked()).toBe(2);
  });

  it("stops a server whose cursors are always new, after the page limit", async () => {
    const { client, asked } = await serverWithPages((_, n) => `cursor-${n}-${crypto.randomUUID()}`);
    await expect(listAllTools(client, "Evil's tool list")).rejects.toThrow(
      "Evil's tool list did not end after 50 pages",
    );
    expect(asked()).toBe(50);
  });

  it("stops at the entry limit", async () => {
    const page = async (cursor: string | undefined) => ({
      items: Array.from({ length: 100 }, (_, i) => i),
      nextCursor: `${Number(cursor ?? 0) + 1}`,
    });
    await expect(listAllPages(page, { what: "The list", maxItems: 250 })).rejects.toThrow(
      "The list has more than 250 entries",
    );
  });
});
