import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClientChannel } from "@/lib/mcp/relay/inflight";
import type { Orchestrator } from "@/lib/orchestrator";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { makeCredential, makeUser, testKeyring } from "@/test/support/fixtures";
import { startEverythingHttp } from "@/test/support/mcp-servers";
import { type CallToolContext, callGatewayTool } from "./call-tool";
import { createGateway } from "./create-gateway";
import { userViewer } from "./gateway-access";
import { getPrompt, readResource } from "./prompts-resources";
import type { ExposedTool } from "./load-gateway";

const stops: (() => void)[] = [];
let modernUrl: string;
let everythingUrl: string;
beforeAll(async () => {
  const child = spawn(process.execPath, ["test/servers/modern-server.mjs", "--http", "0"], { stdio: "pipe" });
  stops.push(() => child.kill());
  const port = await new Promise<string>((resolve) => {
    child.stdout.on("data", (chunk: Buffer) => {
      const m = /listening (\d+)/.exec(chunk.toString());
      if (m?.[1]) resolve(m[1]);
    });
  });
  modernUrl = `http://127.0.0.1:${port}/mcp`;
  const everything = await startEverythingHttp();
  stops.push(everything.stop);
  everythingUrl = everything.url;
});
afterAll(() => {
  for (const stop of stops) stop();
});

const text = (result: unknown) => (result as { content: { text: string }[] }).content[0]?.text;

describe.each(backends)("a tool call to a remote server, by era, on $name", (backend) => {
  const t = useMigratedDatabase(backend);
  const keyring = testKeyring();

  /** A gateway of one admin with one remote server under a static credential, and a caller's context. */
  async function setUp(url: string) {
    const admin = await makeUser(t.db, "admin");
    const viewer = await userViewer(t.db, admin);
    const gateway = await createGateway(t.db, viewer, { name: unique("g") });
    const item = await t.db
      .insertInto("catalog_items")
      .values({ slug: unique("remote"), name: "Remote", kind: "remote", url, auth_kind: "none", env_schema: "[]" })
      .returningAll()
      .executeTakeFirstOrThrow();
    const credential = await makeCredential(t.db, keyring, { itemId: item.id, ownerUserId: admin.id, secret: {} });
    const assignment = {
      id: crypto.randomUUID(),
      prefix: "",
      mode: "static" as const,
      staticCredentialId: credential.id,
      prompts: null,
      resources: null,
      item: { id: item.id, slug: item.slug, name: item.name, kind: "remote" as const },
    };
    const ctx: CallToolContext = {
      db: t.db,
      orchestrator: {} as Orchestrator,
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
      origin: "http://localhost",
      timeoutMs: 10_000,
    };
    const tool = (name: string): ExposedTool => ({
      name,
      upstreamName: name,
      definition: { name, inputSchema: { type: "object" } },
      assignment,
    });
    return { ctx, tool };
  }

  /** A 2025 caller's way back: it can answer elicitations (with `names`, in turn) and notes each question. */
  const channel = (asked: string[], names: string[] = [], can = { sampling: false, elicitation: true, roots: false }) =>
    ({
      principal: "caller",
      can,
      async request(message) {
        asked.push(String(message.params?.message));
        return { action: "accept", content: { name: names.shift() } };
      },
      notify: () => {},
      flush: async () => {},
    }) satisfies ClientChannel;
  const extra = () => ({ signal: new AbortController().signal, requestId: 1 }) as never;

  it("a 2025 caller is asked what a 2026-07-28 server asks, and the call completes with the answer", async () => {
    const { ctx, tool } = await setUp(modernUrl);
    const asked: string[] = [];
    const result = await callGatewayTool(ctx, tool("ask_name"), {}, extra(), channel(asked, ["Ada"]));
    expect(text(result)).toBe("hello Ada (state asked-name)");
    expect(asked).toEqual(["What is your name?"]);
  });

  it("a 2025 caller is asked what a 2026-07-28 server asks while it answers a prompt, and gets the prompt", async () => {
    const { ctx, tool } = await setUp(modernUrl);
    const { assignment } = tool("greet");
    const asked: string[] = [];
    const relay = (names: string[]) => ({
      channel: channel(asked, names),
      principal: "caller",
      signal: new AbortController().signal,
      timeoutMs: 10_000,
    });
    const prompt = await getPrompt(ctx, [assignment], "greet", undefined, { relay: relay(["Ada"]) });
    expect(prompt).toMatchObject({ messages: [{ role: "user", content: { type: "text", text: "Greet Ada" } }] });
    expect(asked).toEqual(["Whom shall I greet?"]);
    // A caller who cannot be asked gets an error, not a half-made prompt.
    await expect(getPrompt(ctx, [assignment], "greet")).rejects.toThrow();
  });

  it("the same for a read: a 2025 caller is asked, and gets the contents", async () => {
    const { ctx, tool } = await setUp(modernUrl);
    const { assignment } = tool("echo");
    const asked: string[] = [];
    const relay = {
      channel: channel(asked, ["Ada"]),
      principal: "caller",
      signal: new AbortController().signal,
      timeoutMs: 10_000,
    };
    const read = await readResource(ctx, [assignment], { uri: "diary://today" }, { relay });
    expect(read).toMatchObject({ contents: [{ uri: "diary://today", text: "Ada's diary (state asked-diary)" }] });
    expect(asked).toEqual(["Whose diary?"]);
  });

  it("a 2026-07-28 caller's read gets the server's input_required as it is, and the retry reads", async () => {
    const { ctx, tool } = await setUp(modernUrl);
    const { assignment } = tool("echo");
    let answeredBy = "";
    const first = await readResource(
      ctx,
      [assignment],
      { uri: "diary://today" },
      { passThrough: {} },
      {
        answeredBy: (id) => {
          answeredBy = id;
        },
      },
    );
    expect(first).toMatchObject({ resultType: "input_required", requestState: "asked-diary" });
    expect(answeredBy).toBe(assignment.id);
    const passThrough = {
      inputResponses: { name: { action: "accept", content: { name: "Grace" } } },
      requestState: "asked-diary",
    };
    const second = await readResource(
      ctx,
      [assignment],
      { uri: "diary://today" },
      { passThrough },
      { only: answeredBy },
    );
    expect(second).toMatchObject({ contents: [{ text: "Grace's diary (state asked-diary)" }] });
    // A retry meant for another server is asked of none.
    await expect(
      readResource(ctx, [assignment], { uri: "diary://today" }, { passThrough }, { only: "someone-else" }),
    ).rejects.toMatchObject({ code: -32002 });
  });

  it("the server is told what the caller declared it can be asked, not all the gateway could relay", async () => {
    const { ctx, tool } = await setUp(modernUrl);
    const result = await callGatewayTool(ctx, tool("caps"), {}, extra(), channel([]));
    const envelope = JSON.parse(text(result) ?? "null");
    expect(envelope["io.modelcontextprotocol/clientCapabilities"]).toEqual({ elicitation: { form: {} } });
  });

  it("a 2026-07-28 caller gets the server's input_required as it is, and its retry completes the call", async () => {
    const { ctx, tool } = await setUp(modernUrl);
    const asked: string[] = [];
    const first = await callGatewayTool(ctx, tool("ask_name"), {}, extra(), channel(asked), {});
    expect(first).toMatchObject({
      resultType: "input_required",
      requestState: "asked-name",
      inputRequests: { name: { method: "elicitation/create", params: { message: "What is your name?" } } },
    });
    // Nobody was asked on the way: the question is the caller's to answer.
    expect(asked).toEqual([]);
    const second = await callGatewayTool(ctx, tool("ask_name"), {}, extra(), channel(asked), {
      inputResponses: { name: { action: "accept", content: { name: "Grace" } } },
      requestState: (first as { requestState?: string }).requestState,
    });
    expect(text(second)).toBe("hello Grace (state asked-name)");
    expect(asked).toEqual([]);
  });

  it("a 2026-07-28 caller's call to a 2025 server is made as any call is", async () => {
    const { ctx, tool } = await setUp(everythingUrl);
    const result = await callGatewayTool(ctx, tool("echo"), { message: "hi" }, extra(), channel([]), {});
    expect(text(result)).toBe("Echo: hi");
  });
});
