import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UriTemplate } from "@modelcontextprotocol/sdk/shared/uriTemplate.js";
import { expect, test } from "@playwright/test";
import { ADMIN, api, cli, MEMBER, signIn, signOut, snap, tokenFor } from "./support";
import { METRICS_TOKEN } from "../playwright.config";

const bin = (name: string) => path.resolve("node_modules/.bin", name);

async function mcp(url: string, token: string): Promise<Client> {
  const client = new Client({ name: "e2e", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
  );
  return client;
}

const text = (result: unknown) => JSON.stringify((result as { content: unknown }).content);

test.describe
  .serial("a gateway exposes two servers and resolves credentials by caller", () => {
    let admin = "";
    let member = "";
    let outsider = "";
    let teamToken = "";
    let orgToken = "";
    let url = "";
    let everythingCredential = "";

    test("set up: two servers, credentials, a team token, an org token and a gateway", async ({ baseURL }) => {
      const base = baseURL ?? "";
      admin = await tokenFor(base, ADMIN.email, ADMIN.password);
      member = await tokenFor(base, MEMBER.email, MEMBER.password);
      await api(base, admin, "POST", "/users", {
        email: "outsider@example.com",
        name: "Outsider",
        password: "outsider-password-1",
      });
      outsider = await tokenFor(base, "outsider@example.com", "outsider-password-1");

      await api(base, admin, "POST", "/catalog", {
        kind: "local",
        name: "Notes",
        slug: "notes",
        command: bin("mcp-server-memory"),
        env: [{ name: "MEMORY_FILE_PATH", secret: true, required: true }],
      });
      await api(base, admin, "POST", "/catalog", {
        kind: "local",
        name: "Everything",
        slug: "everything",
        command: bin("mcp-server-everything"),
        args: ["stdio"],
      });
      // The member's own notes; the admin's credential for Everything, assigned statically.
      await api(base, member, "POST", "/catalog/notes/credentials", {
        // Directly in /tmp: a sandboxed server has a /tmp of its own, and cannot write the host's directories.
        env: { MEMORY_FILE_PATH: path.join(os.tmpdir(), `gw-member-${Date.now()}.json`) },
      });
      const everything = await api(base, admin, "POST", "/catalog/everything/credentials", {});
      everythingCredential = everything.credential.id;
      const platform = (await api(base, admin, "GET", "/teams/platform")) as { team: { id: string } };
      teamToken = (
        (await api(base, admin, "POST", `/teams/${platform.team.id}/tokens`, { name: "platform ci" })) as {
          token: string;
        }
      ).token;
      orgToken = ((await api(base, admin, "POST", "/org/tokens", { name: "org agent" })) as { token: string }).token;
      expect(teamToken).toMatch(/^mcpo_t_/);
      expect(orgToken).toMatch(/^mcpo_o_/);

      await api(base, admin, "POST", "/gateways", { name: "Main", slug: "main" });
      // Tools are discovered once each server's instance runs.
      await expect
        .poll(
          async () =>
            (
              (await api(base, admin, "GET", "/catalog")) as { items: { slug: string; tools: unknown[] }[] }
            ).items.filter((i) => ["notes", "everything"].includes(i.slug) && i.tools.length > 0).length,
          { timeout: 30_000 },
        )
        .toBe(2);
      // A collision is refused when saving: both without a prefix would not collide, so force one.
      const clash = await fetch(`${base}/api/v1/gateways/main/assignments`, {
        method: "PUT",
        headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
        body: JSON.stringify({
          assignments: [
            { server: "notes", prefix: "x", tools: ["read_graph"] },
            { server: "notes", prefix: "x", tools: ["read_graph"] },
          ],
        }),
      });
      expect(clash.status).toBe(409);
      expect(((await clash.json()) as { error: { message: string } }).error.message).toContain("x__read_graph");
      await api(base, admin, "PUT", "/gateways/main/assignments", {
        assignments: [
          { server: "notes", tools: ["create_entities", "read_graph"] },
          {
            server: "everything",
            tools: ["echo", "trigger-long-running-operation"],
            prefix: "ev",
            mode: "static",
            credentialId: everything.credential.id,
            // Chosen tools alone would expose none of its prompts and resources.
            prompts: "all",
            resources: "all",
          },
        ],
      });
      const gw = (await api(base, member, "GET", "/gateways/main")) as { url: string; tools: { name: string }[] };
      url = gw.url;
      expect(gw.tools.map((t) => t.name).sort()).toEqual([
        "ev__echo",
        "ev__trigger-long-running-operation",
        "notes__create_entities",
        "notes__read_graph",
      ]);
    });

    test("a member lists and calls tools of both servers through one endpoint", async () => {
      const client = await mcp(url, member);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([
        "ev__echo",
        "ev__trigger-long-running-operation",
        "notes__create_entities",
        "notes__read_graph",
      ]);
      // A tool's definition passes whole, fields the gateway has no use for included.
      expect(tools.find((t) => t.name === "ev__echo")?.execution).toEqual({ taskSupport: "forbidden" });
      expect(
        text(await client.callTool({ name: "ev__echo", arguments: { message: "through the gateway" } })),
      ).toContain("through the gateway");
      await client.callTool({
        name: "notes__create_entities",
        arguments: { entities: [{ name: "member-marker", entityType: "note", observations: [] }] },
      });
      expect(text(await client.callTool({ name: "notes__read_graph", arguments: {} }))).toContain("member-marker");
      await client.close();
      // The same gateway from the CLI.
      const shown = await cli(["gateways", "show", "main"], {
        HOME: fs.mkdtempSync(path.join(os.tmpdir(), "cli-home-")),
        ARCHESTRA_URL: new URL(url).origin,
        ARCHESTRA_TOKEN: member,
      });
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toContain(url);
      expect(shown.stdout).toContain("notes__read_graph");
    });

    test("prompts and resources of the assigned servers come through, named by server", async () => {
      const client = await mcp(url, member);
      const { prompts } = await client.listPrompts();
      expect(prompts.map((p) => p.name)).toEqual(expect.arrayContaining(["ev__simple-prompt", "ev__args-prompt"]));
      const prompt = await client.getPrompt({
        name: "ev__args-prompt",
        arguments: { city: "Lisbon", state: "Lisboa" },
      });
      expect(JSON.stringify(prompt.messages)).toContain("Lisbon");
      const { resources } = await client.listResources();
      // URIs and templates as the server names them.
      const doc = resources.find((r) => r.uri.startsWith("demo://resource/static/document/"));
      expect(doc, JSON.stringify(resources.map((r) => r.uri))).toBeDefined();
      const read = await client.readResource({ uri: doc?.uri ?? "" });
      expect(read.contents[0]?.uri).toBe(doc?.uri);
      expect(JSON.stringify(read.contents).length).toBeGreaterThan(50);
      // A resource no server has: the 2025 revisions' code, with the URI.
      await expect(client.readResource({ uri: "demo://nope/x" })).rejects.toMatchObject({
        code: -32002,
        data: { uri: "demo://nope/x" },
      });

      // Templates: the client expands the server's own template.
      const { resourceTemplates } = await client.listResourceTemplates();
      const dynamic = resourceTemplates.find((t) => t.uriTemplate === "demo://resource/dynamic/text/{resourceId}");
      expect(dynamic, JSON.stringify(resourceTemplates.map((t) => t.uriTemplate))).toBeDefined();
      const expanded = new UriTemplate(dynamic?.uriTemplate ?? "").expand({ resourceId: "7" });
      const dynamicRead = await client.readResource({ uri: expanded });
      expect(dynamicRead.contents[0]?.uri).toBe(expanded);
      expect(JSON.stringify(dynamicRead.contents)).toContain("7");

      // Completions come from the server behind the prompt, with earlier arguments as context.
      const completion = await client.complete({
        ref: { type: "ref/prompt", name: "ev__completable-prompt" },
        argument: { name: "name", value: "" },
        context: { arguments: { department: "Sales" } },
      });
      expect(completion.completion.values).toEqual(["David", "Eve", "Frank"]);
      const departments = await client.complete({
        ref: { type: "ref/prompt", name: "ev__completable-prompt" },
        argument: { name: "department", value: "S" },
      });
      expect(departments.completion.values).toEqual(["Sales", "Support"]);
      await client.close();
    });

    test("a server narrowed to one tool, with no prompts or resources, lets none of them through", async ({
      baseURL,
    }) => {
      const base = baseURL ?? "";
      // The server's own resource, as the main gateway (which exposes all of them) names it.
      const main = await mcp(url, member);
      const doc = (await main.listResources()).resources.find((r) =>
        r.uri.startsWith("demo://resource/static/document/"),
      );
      await main.close();
      expect(doc).toBeDefined();
      const uri = doc?.uri ?? "";

      await api(base, admin, "POST", "/gateways", { name: "Narrow", slug: "narrow" });
      const credentialId = everythingCredential;
      await api(base, admin, "PUT", "/gateways/narrow/assignments", {
        assignments: [
          {
            server: "everything",
            tools: ["echo"],
            mode: "static",
            credentialId,
            prompts: "none",
            resources: "none",
          },
        ],
      });
      const shown = (await api(base, admin, "GET", "/gateways/narrow")) as {
        assignments: { prompts: unknown; resources: unknown }[];
      };
      expect(shown.assignments).toEqual([expect.objectContaining({ prompts: "none", resources: "none" })]);

      const client = await mcp(url.replace("/main", "/narrow"), admin);
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["everything__echo"]);
      expect((await client.listPrompts()).prompts).toEqual([]);
      expect((await client.listResources()).resources).toEqual([]);
      expect((await client.listResourceTemplates()).resourceTemplates).toEqual([]);
      // Named directly, they are unknown, exactly like ones no server offers.
      await expect(client.readResource({ uri })).rejects.toThrow(/Resource not found/);
      await expect(client.readResource({ uri: "demo://resource/dynamic/text/1" })).rejects.toThrow(
        /Resource not found/,
      );
      await expect(client.subscribeResource({ uri })).rejects.toThrow(/Resource not found/);
      await expect(client.getPrompt({ name: "everything__simple-prompt" })).rejects.toThrow(/Unknown prompt/);
      await expect(
        client.complete({
          ref: { type: "ref/prompt", name: "everything__completable-prompt" },
          argument: { name: "department", value: "S" },
        }),
      ).rejects.toThrow(/Unknown prompt/);
      await client.close();

      // Left out, the choice follows the tools: a subset of tools exposes no prompts or resources.
      await api(base, admin, "PUT", "/gateways/narrow/assignments", {
        assignments: [
          {
            server: "everything",
            tools: ["echo"],
            mode: "static",
            credentialId,
          },
        ],
      });
      const again = await mcp(url.replace("/main", "/narrow"), admin);
      expect((await again.listPrompts()).prompts).toEqual([]);
      await expect(again.readResource({ uri })).rejects.toThrow(/Resource not found/);
      // Chosen by name and URI: those, and only those.
      await api(base, admin, "PUT", "/gateways/narrow/assignments", {
        assignments: [
          {
            server: "everything",
            tools: ["echo"],
            mode: "static",
            credentialId,
            prompts: ["simple-prompt"],
            resources: [uri],
          },
        ],
      });
      const chosen = await mcp(url.replace("/main", "/narrow"), admin);
      expect((await chosen.listPrompts()).prompts.map((p) => p.name)).toEqual(["everything__simple-prompt"]);
      expect((await chosen.listResources()).resources.map((r) => r.uri)).toEqual([uri]);
      expect((await chosen.readResource({ uri })).contents[0]?.uri).toBe(uri);
      await expect(chosen.getPrompt({ name: "everything__args-prompt", arguments: { city: "x" } })).rejects.toThrow(
        /Unknown prompt/,
      );
      await again.close();
      await chosen.close();
    });

    test("a token that opens event stream after event stream is refused past the limit, 429", async () => {
      const streams: AbortController[] = [];
      const statuses: number[] = [];
      try {
        for (let i = 0; i < 12; i++) {
          const abort = new AbortController();
          streams.push(abort);
          const res = await fetch(url, {
            headers: { authorization: `Bearer ${member}`, accept: "text/event-stream" },
            signal: abort.signal,
          });
          statuses.push(res.status);
          if (res.status === 429) {
            expect(res.headers.get("retry-after")).toBe("10");
            expect((await res.json()).error.message).toContain("Too many open streams");
          }
        }
        expect(statuses.filter((s) => s === 200)).toHaveLength(10);
        expect(statuses.slice(10)).toEqual([429, 429]);
        // Another token is not held back.
        const other = await fetch(url, {
          headers: { authorization: `Bearer ${admin}`, accept: "text/event-stream" },
          signal: streams[0]?.signal,
        });
        expect(other.status).toBe(200);
      } finally {
        for (const s of streams) s.abort();
      }
      // Closed streams make room again.
      await expect
        .poll(async () => {
          const abort = new AbortController();
          const res = await fetch(url, {
            headers: { authorization: `Bearer ${member}`, accept: "text/event-stream" },
            signal: abort.signal,
          });
          abort.abort();
          return res.status;
        })
        .toBe(200);
    });

    test("progress notifications from the server reach the caller before the result", async () => {
      const client = await mcp(url, member);
      const progress: number[] = [];
      const result = await client.callTool(
        { name: "ev__trigger-long-running-operation", arguments: { duration: 1, steps: 3 } },
        undefined,
        { onprogress: (p) => progress.push(p.progress) },
      );
      expect(progress.length).toBeGreaterThanOrEqual(2);
      expect(text(result)).toContain("completed");
      await client.close();
    });

    test("team and org tokens resolve by the seed's priority; a caller without a credential gets the install link", async ({
      baseURL,
    }) => {
      // Team token: no team credential, so a member's personal credential (the member's notes).
      const team = await mcp(url, teamToken);
      expect(text(await team.callTool({ name: "notes__read_graph", arguments: {} }))).toContain("member-marker");
      await team.close();
      // Org token: the first available credential (the only one).
      const org = await mcp(url, orgToken);
      expect(text(await org.callTool({ name: "notes__read_graph", arguments: {} }))).toContain("member-marker");
      await org.close();
      // Someone with no credential and no team: never the member's; a link to connect instead.
      const stranger = await mcp(url, outsider);
      const { tools } = await stranger.listTools();
      expect(tools.map((t) => t.name)).toContain("notes__read_graph");
      const result = await stranger.callTool({ name: "notes__read_graph", arguments: {} });
      expect(result.isError).toBe(true);
      expect(text(result)).toContain(`${baseURL}/registry/notes?install=1`);
      expect(text(result)).not.toContain("member-marker");
      // read_graph declares an output schema, so the facts for programs travel in _meta.
      expect(result._meta?.["io.mcp-orchestrator/credential"]).toEqual({
        kind: "credential_missing",
        serverId: expect.any(String),
        serverSlug: "notes",
        installUrl: `${baseURL}/registry/notes?install=1`,
      });
      const create = await stranger.callTool({ name: "notes__create_entities", arguments: { entities: [] } });
      expect(create.isError).toBe(true);
      // The static assignment works for anyone who may use the gateway.
      expect(text(await stranger.callTool({ name: "ev__echo", arguments: { message: "static" } }))).toContain("static");
      await stranger.close();
    });

    test("the edge: authentication, metadata, bad JSON, batches, origins, unknown gateways", async ({ baseURL }) => {
      const post = (body: string, headers: Record<string, string> = {}, target = url) =>
        fetch(target, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
          body,
        });
      const init = JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } },
      });

      const anonymous = await post(init);
      expect(anonymous.status).toBe(401);
      const challenge = anonymous.headers.get("www-authenticate") ?? "";
      expect(challenge).toContain(`resource_metadata="${baseURL}/.well-known/oauth-protected-resource/api/mcp/main"`);
      const metadata = await (await fetch(`${baseURL}/.well-known/oauth-protected-resource/api/mcp/main`)).json();
      expect(metadata.resource).toBe(`${baseURL}/api/mcp/main`);

      const auth = { authorization: `Bearer ${member}` };
      const bad = await post("{not json", auth);
      expect(bad.status).toBe(400);
      expect((await bad.json()).error.code).toBe(-32700);
      const batch = await post(`[${init}]`, auth);
      expect(batch.status).toBe(400);
      expect((await batch.json()).error.message).toContain("batches are not supported");
      expect((await post(init, { ...auth, origin: "http://evil.example" })).status).toBe(403);
      // DNS rebinding: the page's Origin and the Host it reached both name the attacker's domain.
      const rebound = await new Promise<number | undefined>((resolve, reject) => {
        const target = new URL(url);
        const req = http.request(
          url,
          {
            method: "POST",
            headers: {
              ...auth,
              host: `evil.example:${target.port}`,
              origin: `http://evil.example:${target.port}`,
              "content-type": "application/json",
              accept: "application/json, text/event-stream",
            },
          },
          (res) => {
            resolve(res.statusCode);
            res.resume();
          },
        );
        req.on("error", reject);
        req.end(init);
      });
      expect(rebound).toBe(403);
      expect(
        (await post(init, { ...auth, "x-forwarded-host": "evil.example", origin: "http://evil.example" })).status,
      ).toBe(403);
      expect((await post(init, auth, url.replace("/main", "/nope"))).status).toBe(404);
      const huge = await post(
        JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping", params: { pad: "x".repeat(1_100_000) } }),
        auth,
      );
      expect(huge.status).toBe(413);
      // Without a length, the app server keeps no more than the limit and answers 413 while the
      // client is still sending.
      const streamed = await new Promise<number | undefined>((resolve, reject) => {
        const req = http.request(
          url,
          { method: "POST", headers: { "content-type": "application/json", ...auth } },
          (res) => {
            resolve(res.statusCode);
            res.resume();
            req.destroy();
          },
        );
        req.on("error", reject);
        const chunk = Buffer.alloc(64 * 1024, "x");
        let sent = 0;
        const pump = () => {
          while (sent < 8 * 1024 * 1024 && req.write(chunk)) sent += chunk.length;
          if (sent < 8 * 1024 * 1024) req.once("drain", pump);
          else req.end();
        };
        pump();
      });
      expect(streamed).toBe(413);
      const badVersion = await post(JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list" }), {
        ...auth,
        "mcp-protocol-version": "1999-01-01",
      });
      expect(badVersion.status).toBe(400);
      const badVersionStream = await fetch(url, {
        headers: { ...auth, accept: "text/event-stream", "mcp-protocol-version": "1999-01-01" },
      });
      expect(badVersionStream.status).toBe(400);
      // Sessions: initialize gives one; it works for its token only, and an altered one is unknown.
      const initialized = await post(init, auth);
      const session = initialized.headers.get("mcp-session-id") ?? "";
      expect(session).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      const list = JSON.stringify({ jsonrpc: "2.0", id: 4, method: "tools/list" });
      expect((await post(list, { ...auth, "mcp-session-id": session })).status).toBe(200);
      expect((await post(list, { ...auth, "mcp-session-id": `${session}x` })).status).toBe(404);
      expect((await post(list, { ...auth, "mcp-session-id": "made-up" })).status).toBe(404);
      expect((await post(list, { authorization: `Bearer ${admin}`, "mcp-session-id": session })).status).toBe(404);
      // A plain session's tools/call is answered as JSON, with JSON-RPC errors for bad calls.
      const inSession = { ...auth, "mcp-session-id": session };
      const unknown = await post(
        JSON.stringify({ jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "nope", arguments: {} } }),
        inSession,
      );
      expect(unknown.headers.get("content-type")).toContain("application/json");
      expect(await unknown.json()).toMatchObject({
        id: 5,
        error: { code: -32602, message: expect.stringContaining("Unknown tool: nope") },
      });
      const malformed = await post(
        JSON.stringify({ jsonrpc: "2.0", id: 6, method: "tools/call", params: {} }),
        inSession,
      );
      expect(await malformed.json()).toMatchObject({ id: 6, error: { code: -32602 } });
      const echoed = await post(
        JSON.stringify({
          jsonrpc: "2.0",
          id: 7,
          method: "tools/call",
          params: { name: "ev__echo", arguments: { message: "plain" } },
        }),
        inSession,
      );
      expect(JSON.stringify(await echoed.json())).toContain("plain");
      const ended = await fetch(url, { method: "DELETE", headers: { ...auth, "mcp-session-id": session } });
      expect(ended.status).toBe(200);
      // An ended session is gone.
      expect((await post(list, inSession)).status).toBe(404);
      // No stack trace in any of these answers.
      expect(await (await post("{", auth)).text()).not.toContain("    at ");
    });
  });

test.describe
  .serial("building a gateway in the UI", () => {
    test("an admin creates a gateway and picks tools; a member copies the config and calls a tool", async ({
      page,
      baseURL,
    }, testInfo) => {
      await signIn(page, ADMIN.email, ADMIN.password);
      await expect(page.getByRole("heading", { name: `Welcome, ${ADMIN.name}` })).toBeVisible();
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Gateways" }).click();
      await page.getByLabel("Gateway name").fill("Research");
      await page.getByRole("button", { name: "Create gateway" }).click();
      await page.getByRole("link", { name: "Open it to choose its tools" }).click();
      await expect(page.getByRole("heading", { name: "Research" })).toBeVisible();
      await expect(page.getByText("No tools yet")).toBeVisible();

      await page.getByLabel("Include Notes").check();
      const notes = page.getByRole("group", { name: "Include Notes" });
      await notes.getByLabel("All tools, including ones it adds later").uncheck();
      await notes.getByLabel("read_graph").check();
      await page.getByRole("button", { name: "Save tools" }).click();
      await expect(page.getByRole("status")).toContainText("Saved: 1 server assigned.");
      await expect(page.getByRole("table", { name: "Tools" })).toContainText("notes__read_graph");
      // Chosen tools, and nothing said of prompts and resources: none of them.
      const exposure = page.getByRole("table", { name: "Prompts and resources" });
      await expect(exposure.getByRole("row", { name: /Notes/ })).toHaveText(/Notes\s*none\s*none/);
      await expect(notes.getByLabel("Prompts of Notes")).toHaveValue("none");
      await notes.getByLabel("Resources of Notes").selectOption("all");
      await page.getByRole("button", { name: "Save tools" }).click();
      await expect(exposure.getByRole("row", { name: /Notes/ })).toHaveText(/Notes\s*none\s*all/);
      await snap(page, testInfo, "12-gateway-admin");

      // Every call so far is in the audit log, and in the metrics.
      await page.goto("/audit?action=tool.call&gateway=main");
      const audit = page.getByRole("table", { name: "Audit events" });
      await expect(audit).toContainText("notes / read_graph");
      await expect(audit).toContainText("outsider@example.com");
      await expect(audit).toContainText("denied");
      await expect(audit).toContainText("team Platform");
      await snap(page, testInfo, "14-audit");
      // Metrics name gateways (team ones too): never to an anonymous scraper.
      const anonymous = await fetch(`${baseURL}/api/metrics`);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.text()).not.toContain("main");
      const scrape = { headers: { authorization: `Bearer ${METRICS_TOKEN}` } };
      const metrics = await (await fetch(`${baseURL}/api/metrics`, scrape)).text();
      expect(metrics).toMatch(
        /mcp_gateway_tool_calls_total\{gateway="main",server="notes",tool="read_graph",outcome="denied"\} [1-9]/,
      );
      expect(metrics).toMatch(/mcp_instances\{status="running",runtime="process"\} [1-9]/);

      // A team token from the Tokens page.
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Tokens" }).click();
      await page.getByLabel("Acts as").selectOption({ label: "Team Platform" });
      await page.getByLabel("Token name").fill("platform agent");
      await page.getByRole("button", { name: "Create token" }).click();
      await expect(page.getByTestId("new-token").locator("code")).toHaveText(/^mcpo_t_/);
      await expect(page.getByRole("table", { name: "Shared tokens" })).toContainText("platform agent");
      await signOut(page);

      await signIn(page, MEMBER.email, MEMBER.password);
      await expect(page.getByRole("heading", { name: `Welcome, ${MEMBER.name}` })).toBeVisible();
      await page.goto("/gateways/research");
      await expect(page.getByRole("button", { name: "Save tools" })).toHaveCount(0);
      await page.getByText("With a token instead").click();
      const cursor = page
        .getByTestId("connect-configs")
        .locator("div", { has: page.getByRole("heading", { name: "Cursor" }) })
        .locator("code");
      const config = JSON.parse((await cursor.textContent()) ?? "{}");
      expect(config.mcpServers.research.url).toBe(`${baseURL}/api/mcp/research`);
      await snap(page, testInfo, "13-gateway-member");

      const token = await tokenFor(baseURL ?? "", MEMBER.email, MEMBER.password);
      const client = await mcp(config.mcpServers.research.url, token);
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["notes__read_graph"]);
      expect(text(await client.callTool({ name: "notes__read_graph", arguments: {} }))).toContain("member-marker");
      await client.close();
    });
  });

test("the MCP Inspector CLI lists and calls the gateway's tools through the stdio bridge", async ({ baseURL }) => {
  const token = await tokenFor(baseURL ?? "", MEMBER.email, MEMBER.password);
  const inspector = path.resolve("node_modules/.bin/mcp-inspector");
  const bridge = path.resolve("cli/connect.mjs");
  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(inspector, ["--cli", "node", bridge, `${baseURL}/api/mcp/main`, ...args], {
        env: { ...process.env, ARCHESTRA_TOKEN: token },
      });
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
      });
      child.stderr.on("data", (d) => {
        out += d;
      });
      child.on("exit", (code) => resolve({ code, out }));
    });
  const listed = await run(["--method", "tools/list"]);
  expect(listed.code, listed.out).toBe(0);
  expect(listed.out).toContain("notes__read_graph");
  expect(listed.out).toContain("ev__echo");
  const called = await run([
    "--method",
    "tools/call",
    "--tool-name",
    "ev__echo",
    "--tool-arg",
    "message=from the inspector",
  ]);
  expect(called.code, called.out).toBe(0);
  expect(called.out).toContain("from the inspector");
});

test("a person without a credential follows the link from the tool result, connects, and the retry succeeds", async ({
  page,
  baseURL,
}, testInfo) => {
  const base = baseURL ?? "";
  const admin = await tokenFor(base, ADMIN.email, ADMIN.password);
  await api(base, admin, "POST", "/users", {
    email: "newbie@example.com",
    name: "Newbie",
    password: "newbie-password-1",
  });
  const token = await tokenFor(base, "newbie@example.com", "newbie-password-1");
  const client = await mcp(`${base}/api/mcp/main`, token);
  const first = await client.callTool({ name: "notes__read_graph", arguments: {} });
  expect(first.isError).toBe(true);
  const facts = first._meta?.["io.mcp-orchestrator/credential"] as { installUrl: string } | undefined;
  const link = facts?.installUrl ?? "";
  expect(link).toBe(`${base}/registry/notes?install=1`);

  // Signed out: the link goes through sign-in and comes back to the open install dialog.
  await page.goto(link);
  await expect(page).toHaveURL(/\/signin\?callbackUrl=/);
  await page.getByLabel("Email").fill("newbie@example.com");
  await page.getByLabel("Password").fill("newbie-password-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  const dialog = page.getByRole("dialog", { name: "Connect: Notes" });
  await expect(dialog).toBeVisible();
  await snap(page, testInfo, "15-install-dialog");
  // A missing required value is refused beside its field, and nothing is stored.
  await dialog.getByLabel("MEMORY_FILE_PATH").evaluate((el) => el.removeAttribute("required"));
  await dialog.getByRole("button", { name: "Connect" }).click();
  await expect(dialog.getByText("Enter MEMORY_FILE_PATH.")).toBeVisible();
  await dialog.getByLabel("MEMORY_FILE_PATH").fill(path.join(os.tmpdir(), `newbie-${Date.now()}.json`));
  await dialog.getByRole("button", { name: "Connect" }).click();
  await expect(page.getByRole("status")).toContainText("Connected.");
  await expect(page.getByText("connected", { exact: true }).first()).toBeVisible();

  // The retry runs on the newcomer's own credential: their own, empty graph.
  const retry = await client.callTool({ name: "notes__read_graph", arguments: {} });
  expect(retry.isError).toBeFalsy();
  expect(text(retry)).not.toContain("member-marker");

  // Revoked on the Credentials page: the next call asks to connect again.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Credentials" }).click();
  // The Credentials table, not the latest-calls table below it.
  const row = page.getByRole("table", { name: "Credentials" }).getByRole("row", { name: /Notes/ });
  await expect(row).toContainText("you");
  await expect(row).toContainText("active");
  await snap(page, testInfo, "16-credentials");
  await row.getByRole("button", { name: "Revoke Notes credential" }).click();
  await expect(row).toContainText("revoked");
  const after = await client.callTool({ name: "notes__read_graph", arguments: {} });
  expect(after.isError).toBe(true);
  expect(text(after)).toContain("/registry/notes?reauth=1");
  await client.close();
});
