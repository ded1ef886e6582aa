import { spawn } from "node:child_process";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { expect, test } from "@playwright/test";
import { nextMatching, postMcp, sseMessages } from "./mcp-wire";
import { ADMIN, api, firstText, MEMBER, tokenFor } from "./support";

// A server of our own asks its client for sampling, elicitation and roots during tool calls,
// logs and reports progress, and notices cancellation; the gateway relays all of it both ways.
const RELAY_SERVER = path.resolve("test/servers/relay-server.mjs");
const TOOL_COUNT = 9;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A client of `url` as `token` that can be asked things; each question it hears goes to `asked`. */
async function askableClient(url: string, token: string, name: string, asked: string[]): Promise<Client> {
  const client = new Client({ name, version: "1" }, { capabilities: { elicitation: { form: {} } } });
  client.setRequestHandler(ElicitRequestSchema, async (req) => {
    asked.push(req.params.message);
    return { action: "accept", content: { answer: `from ${name}` } };
  });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
  );
  return client;
}

/** What became of each question the relay server asked late (its `late_answers` tool). */
async function lateAnswers(client: Client): Promise<Record<string, unknown>> {
  return JSON.parse(firstText(await client.callTool({ name: "late_answers", arguments: {} })));
}

/**
 * The reported attack: the first person's call asks something 1.5 s in, and is cancelled after
 * 0.5 s; the second person's call is open when the server asks anyway.
 */
async function lateQuestionScenario(options: {
  first: Client;
  second: Client;
  question: string;
  /** What the second person's call does meanwhile (open for longer than 1.5 s). */
  secondCall: () => Promise<unknown>;
  /** The question may never reach the gateway (the call's stream closed with it): wait this long instead. */
  settleMs?: number;
}) {
  const cancel = new AbortController();
  const firstCall = options.first.callTool(
    { name: "ask_user_later", arguments: { question: options.question, delayMs: 1500 } },
    undefined,
    { signal: cancel.signal, onprogress: () => {} },
  );
  firstCall.catch(() => {});
  await sleep(300);
  const secondCall = options.secondCall();
  await sleep(200);
  cancel.abort("changed my mind");
  await expect(firstCall).rejects.toThrow();
  await secondCall;
  if (options.settleMs !== undefined) await sleep(options.settleMs);
  else
    await expect
      .poll(async () => (await lateAnswers(options.second))[options.question], { timeout: 10_000 })
      .toBeTruthy();
  return (await lateAnswers(options.second))[options.question];
}

test.describe
  .serial("server-to-client requests are relayed through a gateway", () => {
    let url = "";
    let member = "";
    let admin = "";
    let credentialId = "";

    test("set up: the relay test server behind a gateway", async ({ baseURL }) => {
      const base = baseURL ?? "";
      admin = await tokenFor(base, ADMIN.email, ADMIN.password);
      member = await tokenFor(base, MEMBER.email, MEMBER.password);
      await api(base, admin, "POST", "/catalog", {
        kind: "local",
        name: "Relay test",
        slug: "relay-test",
        command: process.execPath,
        args: [RELAY_SERVER],
      });
      const { credential } = (await api(base, admin, "POST", "/catalog/relay-test/credentials", {})) as {
        credential: { id: string };
      };
      await api(base, admin, "POST", "/gateways", { name: "Relay", slug: "relay" });
      await expect
        .poll(
          async () =>
            ((await api(base, admin, "GET", "/catalog")) as { items: { slug: string; tools: unknown[] }[] }).items.find(
              (i) => i.slug === "relay-test",
            )?.tools.length,
          { timeout: 30_000 },
        )
        .toBe(TOOL_COUNT);
      credentialId = credential.id;
      await api(base, admin, "PUT", "/gateways/relay/assignments", {
        assignments: [{ server: "relay-test", prefix: "", mode: "static", credentialId }],
      });
      url = `${base}/api/mcp/relay`;
    });

    test("sampling, elicitation and roots reach the caller, and their answers reach the server", async () => {
      const client = new Client(
        { name: "relay-e2e", version: "1" },
        { capabilities: { sampling: {}, elicitation: { form: {} }, roots: {} } },
      );
      const asked: string[] = [];
      client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
        const content = req.params.messages[0]?.content as { text: string };
        asked.push(content.text);
        return { model: "test-model", role: "assistant", content: { type: "text", text: `echo ${content.text}` } };
      });
      client.setRequestHandler(ElicitRequestSchema, async (req) => {
        asked.push(req.params.message);
        return { action: "accept", content: { answer: "blue" } };
      });
      client.setRequestHandler(ListRootsRequestSchema, async () => ({
        roots: [{ uri: "file:///projects/demo", name: "demo" }],
      }));
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), {
          requestInit: { headers: { Authorization: `Bearer ${member}` } },
        }),
      );
      expect(firstText(await client.callTool({ name: "ask_model", arguments: { prompt: "hello" } }))).toBe(
        "model (test-model) said: echo hello",
      );
      expect(
        JSON.parse(
          firstText(await client.callTool({ name: "ask_user", arguments: { question: "Favourite colour?" } })),
        ),
      ).toEqual({ action: "accept", content: { answer: "blue" } });
      expect(JSON.parse(firstText(await client.callTool({ name: "list_roots", arguments: {} })))).toEqual([
        "file:///projects/demo",
      ]);
      expect(asked).toEqual(["hello", "Favourite colour?"]);
      await client.close();
    });

    test("two people's calls that never overlap are each asked their own questions", async () => {
      const memberAsked: string[] = [];
      const adminAsked: string[] = [];
      const first = await askableClient(url, member, "member", memberAsked);
      const second = await askableClient(url, admin, "admin", adminAsked);
      await first.callTool({ name: "ask_user", arguments: { question: "member's question" } });
      await second.callTool({ name: "ask_user", arguments: { question: "admin's question" } });
      expect(memberAsked).toEqual(["member's question"]);
      expect(adminAsked).toEqual(["admin's question"]);
      await Promise.all([first.close(), second.close()]);
    });

    test("stdio: a cancelled call's late question does not reach another person's open call; the server is refused", async () => {
      const memberAsked: string[] = [];
      const adminAsked: string[] = [];
      const first = await askableClient(url, member, "member", memberAsked);
      const second = await askableClient(url, admin, "admin", adminAsked);
      const question = `member's private question ${Date.now()}`;
      const outcome = await lateQuestionScenario({
        first,
        second,
        question,
        secondCall: async () =>
          expect(
            firstText(
              await second.callTool({ name: "slow", arguments: { steps: 60, delayMs: 50 } }, undefined, {
                onprogress: () => {},
              }),
            ),
          ).toBe("counted to 60"),
      });
      expect(outcome).toEqual({ refused: expect.stringContaining("several callers") });
      expect(adminAsked).toEqual([]);
      expect(memberAsked).toEqual([]);
      await Promise.all([first.close(), second.close()]);
    });

    test("stdio: the same person's other open call, with another of their tokens, may answer it", async ({
      baseURL,
    }) => {
      const other = await tokenFor(baseURL ?? "", MEMBER.email, MEMBER.password);
      const firstAsked: string[] = [];
      const secondAsked: string[] = [];
      const first = await askableClient(url, member, "first", firstAsked);
      const second = await askableClient(url, other, "second", secondAsked);
      const question = `member's own question ${Date.now()}`;
      const outcome = await lateQuestionScenario({
        first,
        second,
        question,
        secondCall: () =>
          second.callTool({ name: "slow", arguments: { steps: 60, delayMs: 50 } }, undefined, { onprogress: () => {} }),
      });
      expect(outcome).toEqual({ action: "accept", content: { answer: "from second" } });
      expect(secondAsked).toEqual([question]);
      expect(firstAsked).toEqual([]);
      await Promise.all([first.close(), second.close()]);
    });

    test("streamable HTTP: each call is asked on its own stream, and a cancelled call's question reaches nobody", async ({
      baseURL,
    }) => {
      const base = baseURL ?? "";
      const upstream = spawn(process.execPath, [RELAY_SERVER, "--http", "0"], { stdio: ["ignore", "pipe", "inherit"] });
      try {
        const port = await new Promise<number>((resolve, reject) => {
          upstream.stdout.on("data", (chunk: Buffer) => {
            const found = /listening (\d+)/.exec(String(chunk));
            if (found) resolve(Number(found[1]));
          });
          upstream.once("exit", () => reject(new Error("the relay server over HTTP did not start")));
        });
        await api(base, admin, "POST", "/catalog", {
          kind: "remote",
          name: "Relay over HTTP",
          slug: "relay-http",
          url: `http://127.0.0.1:${port}/mcp`,
          authKind: "none",
        });
        const { credential } = (await api(base, admin, "POST", "/catalog/relay-http/credentials", {})) as {
          credential: { id: string };
        };
        await api(base, admin, "POST", "/gateways", { name: "Relay HTTP", slug: "relay-http" });
        await api(base, admin, "PUT", "/gateways/relay-http/assignments", {
          assignments: [{ server: "relay-http", prefix: "", mode: "static", credentialId: credential.id }],
        });
        const httpUrl = `${base}/api/mcp/relay-http`;
        const memberAsked: string[] = [];
        const adminAsked: string[] = [];
        const first = await askableClient(httpUrl, member, "member", memberAsked);
        const second = await askableClient(httpUrl, admin, "admin", adminAsked);
        await expect.poll(async () => (await first.listTools()).tools.length, { timeout: 30_000 }).toBe(TOOL_COUNT);
        const question = `member's private question ${Date.now()}`;
        const own = `admin's own question ${Date.now()}`;
        const outcome = await lateQuestionScenario({
          first,
          second,
          question,
          // Asked while the member's call is in flight: on stdio this would be refused.
          secondCall: () => second.callTool({ name: "ask_user_later", arguments: { question: own, delayMs: 1500 } }),
          settleMs: 2000,
        });
        // The cancelled call's stream closes with the cancellation, so its question may never
        // arrive; one that does is refused. Either way nobody is asked.
        if (outcome !== undefined) expect(outcome).toEqual({ refused: expect.stringContaining("has ended") });
        expect((await lateAnswers(second))[own]).toEqual({ action: "accept", content: { answer: "from admin" } });
        expect(adminAsked).toEqual([own]);
        expect(memberAsked).toEqual([]);
        await Promise.all([first.close(), second.close()]);
      } finally {
        upstream.kill();
      }
    });

    test("a client that cannot sample gets the server's error, not a hang", async () => {
      const client = new Client({ name: "plain", version: "1" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), {
          requestInit: { headers: { Authorization: `Bearer ${member}` } },
        }),
      );
      const started = Date.now();
      const result = await client.callTool({ name: "ask_model", arguments: { prompt: "hello" } });
      expect(result.isError).toBe(true);
      expect(firstText(result)).toContain("did not declare sampling support");
      expect(Date.now() - started).toBeLessThan(10_000);
      await client.close();
    });

    test("log messages and progress arrive during the call; cancellation reaches the server", async () => {
      const client = new Client({ name: "relay-e2e", version: "1" });
      const logs: unknown[] = [];
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params.data));
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), {
          requestInit: { headers: { Authorization: `Bearer ${member}` } },
        }),
      );
      const progress: number[] = [];
      const done = await client.callTool({ name: "slow", arguments: { steps: 3, delayMs: 20 } }, undefined, {
        onprogress: (p) => progress.push(p.progress),
      });
      expect(firstText(done)).toBe("counted to 3");
      expect(logs).toEqual(["step 1", "step 2", "step 3"]);
      expect(progress).toEqual([1, 2, 3]);

      const before = Number(firstText(await client.callTool({ name: "cancellations", arguments: {} })));
      const abort = new AbortController();
      const slow = client.callTool({ name: "slow", arguments: { steps: 200, delayMs: 50 } }, undefined, {
        signal: abort.signal,
        // Asking for progress makes the answer a stream, which carries the log messages too.
        onprogress: () => {},
      });
      await expect.poll(() => logs.length, { timeout: 5_000 }).toBeGreaterThan(4);
      abort.abort("changed my mind");
      await expect(slow).rejects.toThrow();
      await expect
        .poll(async () => Number(firstText(await client.callTool({ name: "cancellations", arguments: {} }))), {
          timeout: 5_000,
        })
        .toBe(before + 1);
      await client.close();
    });

    test("only the caller can answer a relayed request; its answer completes the call", async () => {
      const call = await postMcp(url, member, {
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: { name: "ask_model", arguments: { prompt: "who answers?" } },
      });
      expect(call.headers.get("content-type")).toContain("text/event-stream");
      const messages = sseMessages(call);
      const ask = await nextMatching(messages, (m) => m.method === "sampling/createMessage");
      expect(typeof ask.id).toBe("string");
      const answer = (from: string) =>
        postMcp(url, from, {
          jsonrpc: "2.0",
          id: ask.id,
          result: { model: "wire", role: "assistant", content: { type: "text", text: `from ${from.slice(0, 7)}` } },
        });
      // Another person's token cannot answer it (nor learn that it exists) ...
      const intruder = await answer(admin);
      expect(intruder.status).toBe(404);
      // ... the caller can, once.
      expect((await answer(member)).status).toBe(202);
      expect((await answer(member)).status).toBe(404);
      const result = await nextMatching(messages, (m) => m.id === 7);
      expect(JSON.stringify(result.result)).toContain("from mcpo_u_");
    });

    test("a session subscribes to a resource, hears its updates on its event stream, and unsubscribes", async () => {
      const client = new Client({ name: "subscriber", version: "1" });
      const updates: string[] = [];
      client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), {
          requestInit: { headers: { Authorization: `Bearer ${member}` } },
        }),
      );
      const note = (await client.listResources()).resources.find((r) => r.name === "note");
      // As the server names it: the gateway does not rewrite resource URIs.
      expect(note?.uri).toBe("relay://note");
      const uri = note?.uri ?? "";
      await new Promise((r) => setTimeout(r, 500)); // the client's GET stream opens after initialize
      await client.subscribeResource({ uri });
      expect(JSON.parse(firstText(await client.callTool({ name: "subscriptions", arguments: {} })))).toEqual([
        "relay://note",
      ]);
      await client.callTool({ name: "set_note", arguments: { text: "second" } });
      await expect.poll(() => updates, { timeout: 5_000 }).toEqual([uri]);
      expect((await client.readResource({ uri })).contents[0]).toMatchObject({ text: "second" });

      await client.unsubscribeResource({ uri });
      expect(JSON.parse(firstText(await client.callTool({ name: "subscriptions", arguments: {} })))).toEqual([]);
      await client.callTool({ name: "set_note", arguments: { text: "third" } });
      await new Promise((r) => setTimeout(r, 500));
      expect(updates).toEqual([uri]);

      // Without a session there is nowhere to send updates: refused with the reason.
      const sessionless = await postMcp(url, member, {
        jsonrpc: "2.0",
        id: 9,
        method: "resources/subscribe",
        params: { uri },
      });
      expect(JSON.stringify(await sessionless.json())).toContain("needs a session");
      await client.close();
    });

    test("a client's event stream hears list_changed when the gateway's tools change", async ({ baseURL }) => {
      const client = new Client({ name: "listener", version: "1" });
      let changed = 0;
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), {
          requestInit: { headers: { Authorization: `Bearer ${member}` } },
        }),
      );
      expect((await client.listTools()).tools).toHaveLength(TOOL_COUNT);
      // The client opens its GET stream after initializing; give it a moment to be listening.
      await new Promise((r) => setTimeout(r, 500));
      await api(baseURL ?? "", admin, "PUT", "/gateways/relay/assignments", {
        assignments: [
          {
            server: "relay-test",
            prefix: "",
            tools: ["ask_model", "slow"],
            mode: "static",
            credentialId,
          },
        ],
      });
      await expect.poll(() => changed, { timeout: 5_000 }).toBeGreaterThan(0);
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(["ask_model", "slow"]);
      await client.close();
    });
  });
