import http from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import {
  type ReadResourceResult,
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalogItem } from "@/lib/registry/create-catalog-item";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { makeCredential, makeUser, testKeyring } from "@/test/support/fixtures";
import type { CallToolContext } from "./call-tool";
import { createGateway } from "./create-gateway";
import { userViewer } from "./gateway-access";
import { type LoadedAssignment, loadGateway } from "./load-gateway";
import { readResource } from "./prompts-resources";
import { saveAssignments } from "./save-assignments";

/** What a read answers when no server asks anything while answering it. */
const readContents = async (...[ctx, assignments, uri]: [CallToolContext, LoadedAssignment[], string]) =>
  ((await readResource(ctx, assignments, { uri })) as ReadResourceResult).contents;

/**
 * A remote MCP server over streamable HTTP on loopback that lists some resources and templates,
 * reads those, and answers any other URI with `unknown` (as SDKs of various eras do). It counts
 * what it is asked.
 */
async function remoteServer(options: { uris: string[]; templates?: string[]; unknown: () => McpError }) {
  const asked = { lists: 0, reads: [] as string[] };
  const mcp = () => {
    const server = new Server({ name: "remote", version: "1" }, { capabilities: { resources: {} } });
    server.setRequestHandler(ListResourcesRequestSchema, async () => {
      asked.lists++;
      return { resources: options.uris.map((uri) => ({ uri, name: uri })) };
    });
    server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
      resourceTemplates: (options.templates ?? []).map((uriTemplate) => ({ uriTemplate, name: uriTemplate })),
    }));
    server.setRequestHandler(ReadResourceRequestSchema, async (req) => {
      const { uri } = req.params;
      asked.reads.push(uri);
      const known =
        options.uris.includes(uri) || (options.templates ?? []).some((t) => uri.startsWith(t.split("{")[0] ?? t));
      if (!known) throw options.unknown();
      return { contents: [{ uri, text: `read ${uri}` }] };
    });
    return server;
  };
  const httpServer = http.createServer(async (req, res) => {
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await mcp().connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/mcp`;
  return {
    asked,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        // The gateway's pooled connections keep theirs alive.
        httpServer.closeAllConnections();
      }),
  };
}

const keyring = testKeyring();

describe.each(backends)("a resource read through a gateway of two servers on $name", (backend) => {
  const t = useMigratedDatabase(backend);
  let greedy: Awaited<ReturnType<typeof remoteServer>>;
  let owner: Awaited<ReturnType<typeof remoteServer>>;
  beforeAll(async () => {
    // Listed first, and answers every URI it does not have with an internal error (not "not found").
    greedy = await remoteServer({
      uris: ["greedy://one"],
      unknown: () => new McpError(ErrorCode.InternalError, "greedy has no such thing"),
    });
    owner = await remoteServer({
      uris: ["owner://doc"],
      templates: ["owner://item/{id}"],
      unknown: () => new McpError(-32002, "Resource not found"),
    });
  });
  afterAll(async () => {
    await greedy?.close();
    await owner?.close();
  });

  async function gatewayOf(servers: { url: string; resources?: string[] }[]): Promise<CallToolContext> {
    const admin = await makeUser(t.db, "admin");
    const viewer = await userViewer(t.db, admin);
    const assignments = [];
    for (const s of servers) {
      const item = await createCatalogItem(t.db, keyring, admin, {
        kind: "remote",
        name: unique("remote"),
        slug: unique("remote"),
        url: s.url,
        authKind: "none",
      });
      await makeCredential(t.db, keyring, { itemId: item.id, ownerUserId: admin.id, secret: {} });
      assignments.push({ server: item.slug, prefix: item.slug, resources: s.resources });
    }
    const gateway = await createGateway(t.db, viewer, { name: unique("g") });
    await saveAssignments(t.db, viewer, gateway.slug, { assignments });
    return {
      db: t.db,
      orchestrator: null as never,
      keyring,
      gateway,
      caller: {
        viewer,
        caller: { kind: "user", userId: admin.id, teamIds: [] },
        tokenId: crypto.randomUUID(),
        tokenKind: "user",
        userId: admin.id,
        teamId: null,
      },
      origin: "http://app.test",
      timeoutMs: 10_000,
    };
  }

  it("goes to the server that listed the URI or has its template, before servers listed earlier", async () => {
    const ctx = await gatewayOf([{ url: greedy.url }, { url: owner.url }]);
    const { assignments } = await loadGateway(t.db, ctx.gateway);
    const listsBefore = owner.asked.lists;
    expect((await readResource(ctx, assignments, { uri: "owner://doc" })).contents).toEqual([
      { uri: "owner://doc", text: "read owner://doc" },
    ]);
    expect((await readContents(ctx, assignments, "owner://item/7"))[0]?.uri).toBe("owner://item/7");
    expect((await readContents(ctx, assignments, "greedy://one"))[0]?.uri).toBe("greedy://one");
    // The greedy server was never asked for the owner's URIs, and each server listed once.
    expect(greedy.asked.reads).toEqual(["greedy://one"]);
    expect(owner.asked.lists - listsBefore).toBe(1);
    // A URI nobody listed is asked in assignment order: the greedy server's error is its answer.
    await expect(readResource(ctx, assignments, { uri: "nobody://x" })).rejects.toMatchObject({
      code: ErrorCode.InternalError,
    });
  });

  it("answers the revision's not-found when no server has it, and what an assignment does not expose is unknown", async () => {
    const ctx = await gatewayOf([{ url: owner.url, resources: ["owner://doc"] }]);
    const { assignments } = await loadGateway(t.db, ctx.gateway);
    const reads = owner.asked.reads.length;
    for (const [protocolVersion, code] of [
      ["2025-11-25", -32002],
      ["2026-07-28", ErrorCode.InvalidParams],
    ] as const) {
      await expect(readResource(ctx, assignments, { uri: "owner://item/7", protocolVersion })).rejects.toMatchObject({
        code,
        data: { uri: "owner://item/7" },
      });
    }
    // Not exposed: the server was not even asked.
    expect(owner.asked.reads.length).toBe(reads);
    await expect(readResource(ctx, assignments, { uri: "owner://gone" })).rejects.toMatchObject({ code: -32002 });
    expect(owner.asked.reads.slice(reads)).toEqual([]);
    expect((await readContents(ctx, assignments, "owner://doc"))[0]?.uri).toBe("owner://doc");
  });
});
