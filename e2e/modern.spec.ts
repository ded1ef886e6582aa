import os from "node:os";
import path from "node:path";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { expect, type Page, test } from "@playwright/test";
import { claudeCode, freshHome, recordingProxy } from "./claude-code";
import { ADMIN, addLocalServer, api, firstText, MEMBER, tokenFor } from "./support";

// One gateway, two eras at once: a 2026-07-28 client of the SDK's v2 line (stateless, `_meta`
// envelopes, server/discover) and a 2025-11-25 client of the v1 line (initialize, a session).
const bin = (name: string) => path.resolve("node_modules/.bin", name);
const MODERN = "2026-07-28";

/** The per-request envelope a 2026-07-28 request carries. */
const envelope = (capabilities: Record<string, unknown> = {}) => ({
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientCapabilities": capabilities,
  "io.modelcontextprotocol/clientInfo": { name: "wire", version: "1" },
});

test.describe
  .serial("the 2026-07-28 revision beside the 2025 ones", () => {
    let url = "";
    let member = "";
    let admin = "";
    let assignments: Record<string, unknown>[] = [];

    const connectModern = async (token: string) => {
      const client = new ModernClient({ name: "modern-e2e", version: "1" }, { versionNegotiation: { mode: "auto" } });
      await client.connect(
        new ModernTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
      );
      return client;
    };
    const connectLegacy = async (token: string) => {
      const client = new LegacyClient({ name: "legacy-e2e", version: "1" });
      await client.connect(
        new LegacyTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
      );
      return client;
    };
    /** A hand-made 2026-07-28 request, headers and envelope as the revision requires. */
    const post = (token: string, method: string, params: Record<string, unknown> = {}, name?: string) =>
      fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          authorization: `Bearer ${token}`,
          "mcp-protocol-version": MODERN,
          "mcp-method": method,
          ...(name ? { "mcp-name": name } : {}),
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: { ...params, _meta: envelope() } }),
      });

    test("set up: server-everything behind a gateway", async ({ baseURL }) => {
      const base = baseURL ?? "";
      admin = await tokenFor(base, ADMIN.email, ADMIN.password);
      member = await tokenFor(base, MEMBER.email, MEMBER.password);
      const everything = await addLocalServer(base, admin, {
        name: "Everything (modern)",
        slug: "everything-modern",
        command: bin("mcp-server-everything"),
        args: ["stdio"],
      });
      await api(base, admin, "POST", "/gateways", { name: "Modern", slug: "modern" });
      // A server each person connects for themselves, for the missing-credential flows; the
      // admin's own is where its tools are discovered.
      await addLocalServer(
        base,
        admin,
        {
          name: "Diary",
          slug: "diary",
          command: bin("mcp-server-memory"),
          env: [{ name: "MEMORY_FILE_PATH", secret: true, required: true }],
        },
        { MEMORY_FILE_PATH: path.join(os.tmpdir(), `diary-admin-${Date.now()}.json`) },
      );
      // A 2025 server of our own that asks its client things during calls.
      const asker = await addLocalServer(base, admin, {
        name: "Asker",
        slug: "asker",
        command: process.execPath,
        args: [path.resolve("test/servers/relay-server.mjs")],
      });
      assignments = [
        {
          server: "everything-modern",
          prefix: "ev",
          mode: "static",
          credentialId: everything,
          tools: ["echo", "toggle-subscriber-updates"],
          resources: "all",
        },
        { server: "diary", tools: ["read_graph"] },
        {
          server: "asker",
          prefix: "asker",
          mode: "static",
          credentialId: asker,
          tools: ["ask_model", "ask_user", "list_roots"],
        },
      ];
      await api(base, admin, "PUT", "/gateways/modern/assignments", { assignments });
      url = `${base}/api/mcp/modern`;
    });

    test("a v2 client negotiates 2026-07-28 with server/discover, and a v1 client 2025-11-25, on one URL at once", async () => {
      const modern = await connectModern(member);
      const legacy = await connectLegacy(member);
      expect(modern.getProtocolEra()).toBe("modern");
      expect(modern.getNegotiatedProtocolVersion()).toBe(MODERN);
      expect(legacy.getServerVersion()?.name).toBe("mcp-orchestrator/modern");

      const [modernTools, legacyTools] = await Promise.all([modern.listTools(), legacy.listTools()]);
      const names = [
        "ev__echo",
        "ev__toggle-subscriber-updates",
        "diary__read_graph",
        "asker__ask_model",
        "asker__ask_user",
        "asker__list_roots",
      ];
      expect(modernTools.tools.map((t) => t.name)).toEqual(names);
      expect(legacyTools.tools.map((t) => t.name)).toEqual(names);
      // Tools pass whole in both eras. `execution` (task support) is the tasks extension's in
      // 2026-07-28, sent only to clients that negotiate it; 2025-11-25 has it in the core.
      const { execution, ...core } = legacyTools.tools[0] as Record<string, unknown>;
      expect(execution).toEqual({ taskSupport: "forbidden" });
      expect(modernTools.tools[0]).toEqual(core);

      const [a, b] = await Promise.all([
        modern.callTool({ name: "ev__echo", arguments: { message: "from 2026" } }),
        legacy.callTool({ name: "ev__echo", arguments: { message: "from 2025" } }),
      ]);
      expect(firstText(a)).toContain("from 2026");
      expect(firstText(b)).toContain("from 2025");
      await modern.close();
      await legacy.close();
    });

    test("a 2026-07-28 request needs no session: results carry resultType and the gateway's cache hints", async () => {
      const listed = await post(member, "tools/list");
      expect(listed.status).toBe(200);
      expect(listed.headers.get("mcp-session-id")).toBeNull();
      const body = (await listed.json()) as { result: Record<string, unknown> };
      expect(body.result).toMatchObject({ resultType: "complete", ttlMs: 60_000, cacheScope: "private" });

      const discovered = (await (await post(member, "server/discover")).json()) as {
        result: { supportedVersions: string[]; capabilities: Record<string, unknown> };
      };
      expect(discovered.result.supportedVersions).toContain(MODERN);
      expect(discovered.result.capabilities).toMatchObject({ tools: { listChanged: true } });

      const called = (await (
        await post(member, "tools/call", { name: "ev__echo", arguments: { message: "stateless" } }, "ev__echo")
      ).json()) as { result: { resultType: string; content: { text: string }[] } };
      expect(called.result.resultType).toBe("complete");
      expect(called.result.content[0]?.text).toContain("stateless");
    });

    test("a request whose Mcp-Name disagrees with its body, or without its envelope, is refused 400", async () => {
      const mismatch = await post(member, "tools/call", { name: "ev__echo", arguments: { message: "x" } }, "other");
      expect(mismatch.status).toBe(400);
      expect(((await mismatch.json()) as { error: { code: number } }).error.code).toBe(-32020);
      const bare = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          authorization: `Bearer ${member}`,
          "mcp-protocol-version": MODERN,
          "mcp-method": "tools/list",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
      expect(bare.status).toBe(400);
      expect(((await bare.json()) as { error: { code: number } }).error.code).toBe(-32602);
      // Without a token, a 2026-07-28 request is challenged like any other.
      const anonymous = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(anonymous.status).toBe(401);
    });

    test("a tampered or made-up requestState is refused before any upstream is asked", async () => {
      const forged = await post(
        member,
        "tools/call",
        { name: "ev__echo", arguments: { message: "x" }, requestState: "v1.eyJwIjp7InRvb2wiOiJldl9fZWNobyJ9fQ.AAAA" },
        "ev__echo",
      );
      const answer = (await forged.json()) as { error?: { code: number; message: string } };
      expect(answer.error?.code).toBe(-32602);
      expect(answer.error?.message).toContain("requestState");
    });

    test("a subscriptions/listen stream hears list_changed when the gateway's assignments are saved", async ({
      baseURL,
    }) => {
      const modern = await connectModern(member);
      let changed = 0;
      modern.setNotificationHandler("notifications/tools/list_changed", () => {
        changed++;
      });
      const subscription = await modern.listen({ toolsListChanged: true });
      await api(baseURL ?? "", admin, "PUT", "/gateways/modern/assignments", { assignments });
      await expect.poll(() => changed, { timeout: 10_000 }).toBeGreaterThan(0);
      await subscription.close();
      await modern.close();
    });

    test("a listen stream hears updates of the resources it names, and no other caller's stream does", async () => {
      const modern = await connectModern(member);
      const updates: string[] = [];
      modern.setNotificationHandler("notifications/resources/updated", (n) => {
        updates.push(n.params.uri);
      });
      const uri = (await modern.listResources()).resources.find((r) => r.uri.startsWith("demo://resource/"))?.uri ?? "";
      expect(uri).not.toBe("");
      const subscription = await modern.listen({ resourceSubscriptions: [uri] });
      expect(subscription.honoredFilter.resourceSubscriptions).toEqual([uri]);
      // Another caller's listen stream on the same gateway hears no resource updates of this one's.
      const other = await connectModern(admin);
      const overheard: string[] = [];
      other.setNotificationHandler("notifications/resources/updated", (n) => {
        overheard.push(n.params.uri);
      });
      const otherSubscription = await other.listen({ toolsListChanged: true, resourcesListChanged: true });
      // The server sends updates of subscribed resources every few seconds once asked to.
      await modern.callTool({ name: "ev__toggle-subscriber-updates", arguments: {} });
      try {
        await expect.poll(() => updates, { timeout: 15_000 }).toContain(uri);
        expect(overheard).toEqual([]);
      } finally {
        await modern.callTool({ name: "ev__toggle-subscriber-updates", arguments: {} });
        await subscription.close();
        await otherSubscription.close();
        await modern.close();
        await other.close();
      }
    });

    test("listen streams count with 2025 event streams against the token's limit: the eleventh is refused, 429", async ({
      baseURL,
    }) => {
      const token = await tokenFor(baseURL ?? "", MEMBER.email, MEMBER.password);
      const open: AbortController[] = [];
      const listen = (signal: AbortSignal) =>
        fetch(url, {
          method: "POST",
          signal,
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            authorization: `Bearer ${token}`,
            "mcp-protocol-version": MODERN,
            "mcp-method": "subscriptions/listen",
          },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "subscriptions/listen",
            params: { notifications: { toolsListChanged: true }, _meta: envelope() },
          }),
        });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) {
          const abort = new AbortController();
          open.push(abort);
          statuses.push((await listen(abort.signal)).status);
        }
        for (let i = 0; i < 4; i++) {
          const abort = new AbortController();
          open.push(abort);
          const get = await fetch(url, {
            signal: abort.signal,
            headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
          });
          statuses.push(get.status);
        }
        expect(statuses).toEqual(Array(10).fill(200));
        const refused = await listen(AbortSignal.timeout(5000));
        expect(refused.status).toBe(429);
        expect(refused.headers.get("retry-after")).toBe("10");
        expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
          "ARCHESTRA_GATEWAY_MAX_STREAMS_PER_TOKEN",
        );
        // A closed listen stream makes room again.
        open.shift()?.abort();
        await expect
          .poll(async () => {
            const abort = new AbortController();
            open.push(abort);
            return (await listen(abort.signal)).status;
          })
          .toBe(200);
      } finally {
        for (const a of open) a.abort();
      }
    });

    /** A new person with a token, who has connected nothing yet. */
    const newcomer = async (base: string, name: string) => {
      const email = `${name}@example.com`;
      await api(base, admin, "POST", "/users", { email, name, password: `${name}-password-1` });
      return { email, password: `${name}-password-1`, token: await tokenFor(base, email, `${name}-password-1`) };
    };
    /** What the person does in the browser with the link their client opened: sign in and connect. */
    const connectInBrowser = async (page: Page, link: string, person: { email: string; password: string }) => {
      await page.goto(link);
      await page.getByLabel("Email").fill(person.email);
      await page.getByLabel("Password").fill(person.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      const dialog = page.getByRole("dialog", { name: "Connect: Diary" });
      await dialog.getByLabel("MEMORY_FILE_PATH").fill(path.join(os.tmpdir(), `diary-${Date.now()}.json`));
      await dialog.getByRole("button", { name: "Connect" }).click();
      await expect(page.getByRole("status")).toContainText("Connected.");
    };

    test("2025-11-25: a call without a credential asks the client to open the install link, and completes once the person connects", async ({
      page,
      baseURL,
    }) => {
      const base = baseURL ?? "";
      const person = await newcomer(base, "linda");
      const client = new LegacyClient(
        { name: "url-e2e", version: "1" },
        { capabilities: { elicitation: { url: {} } } },
      );
      const opened: string[] = [];
      let browsing: Promise<void> | undefined;
      client.setRequestHandler(ElicitRequestSchema, async (req) => {
        const params = req.params as { mode?: string; url?: string };
        expect(params.mode).toBe("url");
        opened.push(params.url ?? "");
        // The client opens the link and says so at once; the person connects meanwhile.
        browsing = connectInBrowser(page, params.url ?? "", person);
        return { action: "accept" };
      });
      await client.connect(
        new LegacyTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${person.token}` } } }),
      );
      const result = await client.callTool({ name: "diary__read_graph", arguments: {} });
      await browsing;
      expect(opened).toEqual([`${base}/registry/diary?install=1`]);
      expect(result.isError).toBeFalsy();
      expect(JSON.stringify(result)).toContain("entities");
      await client.close();
    });

    test("2026-07-28: the same, as an input_required URL request the client answers on its retry", async ({
      page,
      baseURL,
    }) => {
      const base = baseURL ?? "";
      const person = await newcomer(base, "mona");
      const client = new ModernClient(
        { name: "url-e2e", version: "1" },
        { versionNegotiation: { mode: "auto" }, capabilities: { elicitation: { url: {} } } },
      );
      const opened: string[] = [];
      let browsing: Promise<void> | undefined;
      client.setRequestHandler("elicitation/create", async (req) => {
        const params = req.params as { mode?: string; url?: string };
        expect(params.mode).toBe("url");
        opened.push(params.url ?? "");
        browsing = connectInBrowser(page, params.url ?? "", person);
        return { action: "accept" };
      });
      await client.connect(
        new ModernTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${person.token}` } } }),
      );
      expect(client.getProtocolEra()).toBe("modern");
      const result = await client.callTool({ name: "diary__read_graph", arguments: {} });
      await browsing;
      expect(opened).toEqual([`${base}/registry/diary?install=1`]);
      expect(result.isError).toBeFalsy();
      expect(JSON.stringify(result)).toContain("entities");
      await client.close();
    });

    test("a client that declines, or cannot open links, gets the tool result with the link", async ({ baseURL }) => {
      const base = baseURL ?? "";
      const person = await newcomer(base, "nils");
      const declining = new ModernClient(
        { name: "url-e2e", version: "1" },
        { versionNegotiation: { mode: "auto" }, capabilities: { elicitation: { url: {} } } },
      );
      declining.setRequestHandler("elicitation/create", async () => ({ action: "decline" }));
      await declining.connect(
        new ModernTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${person.token}` } } }),
      );
      const declined = await declining.callTool({ name: "diary__read_graph", arguments: {} });
      expect(declined.isError).toBe(true);
      expect(firstText(declined)).toContain(`${base}/registry/diary?install=1`);
      await declining.close();
      const plain = await connectLegacy(person.token);
      const unasked = await plain.callTool({ name: "diary__read_graph", arguments: {} });
      expect(unasked.isError).toBe(true);
      expect(unasked._meta?.["io.mcp-orchestrator/credential"]).toMatchObject({ kind: "credential_missing" });
      await plain.close();
    });

    test("a 2025 server's questions reach a 2026-07-28 caller as input_required, and its answers reach the server", async () => {
      const client = new ModernClient(
        { name: "bridge-e2e", version: "1" },
        {
          versionNegotiation: { mode: "auto" },
          capabilities: { sampling: {}, elicitation: { form: {} }, roots: {} },
        },
      );
      const asked: string[] = [];
      client.setRequestHandler("sampling/createMessage", async (req) => {
        const content = req.params.messages[0]?.content as { text: string };
        asked.push(content.text);
        return { model: "test-model", role: "assistant", content: { type: "text", text: `echo ${content.text}` } };
      });
      client.setRequestHandler("elicitation/create", async (req) => {
        asked.push((req.params as { message: string }).message);
        return { action: "accept", content: { answer: "blue" } };
      });
      client.setRequestHandler("roots/list", async () => ({ roots: [{ uri: "file:///projects/demo", name: "demo" }] }));
      await client.connect(
        new ModernTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${member}` } } }),
      );
      expect(client.getProtocolEra()).toBe("modern");
      expect(firstText(await client.callTool({ name: "asker__ask_model", arguments: { prompt: "hello" } }))).toBe(
        "model (test-model) said: echo hello",
      );
      expect(
        JSON.parse(firstText(await client.callTool({ name: "asker__ask_user", arguments: { question: "Colour?" } }))),
      ).toEqual({ action: "accept", content: { answer: "blue" } });
      expect(JSON.parse(firstText(await client.callTool({ name: "asker__list_roots", arguments: {} })))).toEqual([
        "file:///projects/demo",
      ]);
      expect(asked).toEqual(["hello", "Colour?"]);
      await client.close();
    });

    test("a bridged call's state is the caller's only: another person's retry with it is refused", async () => {
      const capabilities = { elicitation: { form: {} } };
      const ask = (token: string, extra: Record<string, unknown> = {}) =>
        fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            authorization: `Bearer ${token}`,
            "mcp-protocol-version": MODERN,
            "mcp-method": "tools/call",
            "mcp-name": "asker__ask_user",
          },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "tools/call",
            params: {
              name: "asker__ask_user",
              arguments: { question: "Mine?" },
              ...extra,
              _meta: envelope(capabilities),
            },
          }),
        }).then((r) => r.json() as Promise<{ result?: Record<string, unknown>; error?: { code: number } }>);
      const first = await ask(member);
      expect(first.result).toMatchObject({ resultType: "input_required" });
      const inputRequests = first.result?.inputRequests as Record<string, { method: string }>;
      const [key, request] = Object.entries(inputRequests)[0] ?? [];
      expect(request?.method).toBe("elicitation/create");
      const retry = {
        requestState: first.result?.requestState,
        inputResponses: { [key as string]: { action: "decline" } },
      };
      // Someone else's retry with the member's state is refused, and the question stays the member's.
      const other = await ask(admin, retry);
      expect(other.error?.code).toBe(-32602);
      const mine = await ask(member, retry);
      expect(mine.result).toMatchObject({ resultType: "complete" });
      expect(JSON.parse(((mine.result?.content ?? []) as { text: string }[])[0]?.text ?? "")).toMatchObject({
        action: "decline",
      });
      // A state that was used up is refused too: the call has ended.
      expect((await ask(member, retry)).error?.code).toBe(-32602);
    });

    test("a current Claude Code connects in 2026-07-28, with server/discover and no initialize", async ({
      baseURL,
    }) => {
      test.setTimeout(600_000);
      const claude = await claudeCode();
      const proxy = await recordingProxy(baseURL ?? "");
      const home = freshHome();
      try {
        const gateway = `${proxy.url}/api/mcp/modern`;
        await claude(
          ["mcp", "add", "--transport", "http", "gw", gateway, "--header", `Authorization: Bearer ${member}`],
          home,
        );
        const listed = await claude(["mcp", "list"], home);
        expect(listed).toContain("Connected");
        expect(proxy.seen[0]).toEqual({ method: "server/discover", version: MODERN });
        expect(proxy.seen.map((s) => s.method)).not.toContain("initialize");
        expect(proxy.seen.map((s) => s.method)).toContain("tools/list");
      } finally {
        proxy.close();
      }
    });
  });
