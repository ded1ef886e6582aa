import { type ChildProcess, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import path from "node:path";
import { freePort } from "@/lib/net/free-port";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { expect, test } from "@playwright/test";
import { nextMatching, postMcp, sseMessages } from "./mcp-wire";
import { callApi, startReplicas } from "./replica-support";

// Two app processes on one PostgreSQL serve one gateway: requests are stateless, so any replica
// serves any request; a token revoked on one stops working on the other within a second.
const url = process.env.TEST_DATABASE_URL;
const children: ChildProcess[] = [];

test.skip(!url, "TEST_DATABASE_URL is not set: the two-replica test needs PostgreSQL");

test.afterAll(() => {
  for (const c of children) c.kill("SIGTERM");
});

test("two replicas serve one gateway; revocation reaches both within a second", async () => {
  const upstreamPort = await freePort();
  children.push(
    spawn(path.resolve("node_modules/.bin/mcp-server-everything"), ["streamableHttp"], {
      env: { ...process.env, PORT: String(upstreamPort) },
      stdio: "ignore",
    }),
  );
  // A server of our own that speaks 2026-07-28 alone, and asks with input_required results.
  const modernPort = await freePort();
  children.push(
    spawn(
      process.execPath,
      [path.resolve("test/servers/modern-server.mjs"), "--http", String(modernPort), "--modern-only"],
      { stdio: "ignore" },
    ),
  );
  const shared = {
    ARCHESTRA_ENCRYPTION_KEYS: Buffer.alloc(32, 7).toString("base64"),
    ARCHESTRA_AUTH_SECRET: "x".repeat(40),
    ARCHESTRA_ADMIN_EMAIL: "replicas@example.com",
    ARCHESTRA_ADMIN_PASSWORD: "replicas-password-1",
  };
  const replicas = await startReplicas("replicas", shared, children);
  const { bases, internals } = replicas;
  const [a, b] = bases;

  const call = callApi;
  const { token: adminToken } = await call(a, "/auth/token", "POST", null, {
    email: shared.ARCHESTRA_ADMIN_EMAIL,
    password: shared.ARCHESTRA_ADMIN_PASSWORD,
  });
  // Set up on replica A ...
  await call(a, "/catalog", "POST", adminToken, {
    kind: "remote",
    name: "Everything",
    slug: "everything",
    url: `http://127.0.0.1:${upstreamPort}/mcp`,
    authKind: "none",
  });
  await call(a, "/catalog/everything/credentials", "POST", adminToken, {});
  await call(a, "/catalog", "POST", adminToken, {
    kind: "remote",
    name: "Modern",
    slug: "modern",
    url: `http://127.0.0.1:${modernPort}/mcp`,
    authKind: "none",
  });
  await call(a, "/catalog/modern/credentials", "POST", adminToken, {});
  await call(a, "/gateways", "POST", adminToken, { name: "Shared", slug: "shared" });
  await call(a, "/gateways/shared/assignments", "PUT", adminToken, {
    assignments: [
      { server: "everything", tools: ["echo", "trigger-sampling-request", "trigger-long-running-operation"] },
      { server: "modern", tools: ["ask_name"], prompts: ["greet"], resources: ["diary://today"] },
    ],
  });
  const { token, id } = await call(b, "/tokens", "POST", adminToken, { name: "agent" });

  // ... and use it through both, alternating, with one client per replica.
  const clients = await Promise.all(
    bases.map(async (base) => {
      const c = new Client({ name: "replicas", version: "1" });
      await c.connect(
        new StreamableHTTPClientTransport(new URL(`${base}/api/mcp/shared`), {
          requestInit: { headers: { Authorization: `Bearer ${token}` } },
        }),
      );
      return c;
    }),
  );
  for (let i = 0; i < 10; i++) {
    const r = await (clients[i % 2] as Client).callTool({
      name: "everything__echo",
      arguments: { message: `call ${i}` },
    });
    expect(JSON.stringify(r.content)).toContain(`call ${i}`);
  }

  // A server's sampling request during a call on A is answered with a request to B: B forwards
  // the answer to A (the relay id names A, sealed), and the call on A completes with it.
  const gatewayA = `${a}/api/mcp/shared`;
  const gatewayB = `${b}/api/mcp/shared`;
  const sampling = await postMcp(gatewayA, token, {
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name: "everything__trigger-sampling-request", arguments: { prompt: "across replicas" } },
  });
  const messages = sseMessages(sampling);
  const ask = await nextMatching(messages, (m) => m.method === "sampling/createMessage");
  expect(String(ask.id)).not.toContain("127.0.0.1");
  const answer = await postMcp(gatewayB, token, {
    jsonrpc: "2.0",
    id: ask.id,
    result: { model: "replica-b", role: "assistant", content: { type: "text", text: "answered via B" } },
  });
  expect(answer.status).toBe(202);
  expect(JSON.stringify((await nextMatching(messages, (m) => m.id === 1)).result)).toContain("answered via B");

  // The same question to a 2026-07-28 caller: the call on A is parked and the question comes back
  // as input_required; the caller's retry goes to B, which forwards the answer to A (the sealed
  // state names A), and the call on A completes with it.
  /** A 2026-07-28 request, `name` what it names (a tool, or a resource's URI for a read). */
  const modernRequest = (base: string, method: string, name: string, capabilities: object, params: object) =>
    fetch(`${base}/api/mcp/shared`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer ${token}`,
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": method,
        "mcp-name": name,
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method,
        params: {
          ...(method === "resources/read" ? { uri: name } : { name }),
          ...params,
          _meta: {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": capabilities,
          },
        },
      }),
    }).then((r) => r.json() as Promise<{ result: Record<string, unknown> }>);
  const modern = (base: string, name: string, capabilities: object, params: Record<string, unknown>) =>
    modernRequest(base, "tools/call", name, capabilities, params);
  const sampling2026 = (base: string, params: Record<string, unknown>) =>
    modern(base, "everything__trigger-sampling-request", { sampling: {} }, params);
  const parked = await sampling2026(a, { arguments: { prompt: "bridged across replicas" } });
  expect(parked.result.resultType).toBe("input_required");
  expect(String(parked.result.requestState)).not.toContain("127.0.0.1");
  const [key, question] = Object.entries(parked.result.inputRequests as Record<string, { method: string }>)[0] ?? [];
  expect(question?.method).toBe("sampling/createMessage");
  const resumed = await sampling2026(b, {
    arguments: { prompt: "bridged across replicas" },
    requestState: parked.result.requestState,
    inputResponses: {
      [key as string]: { model: "replica-b", role: "assistant", content: { type: "text", text: "bridged via B" } },
    },
  });
  expect(resumed.result.resultType).toBe("complete");
  expect(JSON.stringify(resumed.result.content)).toContain("bridged via B");

  // A 2026-07-28 server's question to a 2026-07-28 caller passes through, its state sealed by the
  // gateway: the retry reaches B, which opens the state (any replica can) and the server completes.
  const askName = (base: string, params: Record<string, unknown>) =>
    modern(base, "modern__ask_name", { elicitation: { form: {} } }, { arguments: {}, ...params });
  const asked = await askName(a, {});
  expect(asked.result.resultType).toBe("input_required");
  expect(asked.result.requestState).not.toBe("asked-name");
  const named = await askName(b, {
    requestState: asked.result.requestState,
    inputResponses: { name: { action: "accept", content: { name: "Ada" } } },
  });
  expect(JSON.stringify(named.result.content)).toContain("hello Ada (state asked-name)");

  // The same server's question to a 2025 caller (the server refuses 2025, so the gateway bridges):
  // asked on A's event stream, answered through B, and the server gets it as an input response.
  /** A 2025 request asked on A's event stream, the question answered through B: its result. */
  const askedOnAAnsweredOnB = async (id: number, method: string, params: unknown, name: string) => {
    const messages = sseMessages(await postMcp(gatewayA, token, { jsonrpc: "2.0", id, method, params }));
    const question = await nextMatching(messages, (m) => m.method === "elicitation/create");
    const answer = await postMcp(gatewayB, token, {
      jsonrpc: "2.0",
      id: question.id,
      result: { action: "accept", content: { name } },
    });
    expect(answer.status).toBe(202);
    return JSON.stringify((await nextMatching(messages, (m) => m.id === id)).result);
  };
  expect(await askedOnAAnsweredOnB(9, "tools/call", { name: "modern__ask_name", arguments: {} }, "Grace")).toContain(
    "hello Grace",
  );
  // A prompt whose 2026-07-28 server asks whom to greet, and a read that asks whose diary: the
  // 2025 caller is asked the same way ...
  expect(await askedOnAAnsweredOnB(10, "prompts/get", { name: "modern__greet" }, "Lin")).toContain("Greet Lin");
  expect(await askedOnAAnsweredOnB(11, "resources/read", { uri: "diary://today" }, "Kim")).toContain("Kim's diary");
  // ... and a 2026-07-28 caller gets input_required, its retry read on the other replica.
  const read2026 = (base: string, params: Record<string, unknown>) =>
    modernRequest(base, "resources/read", "diary://today", { elicitation: { form: {} } }, params);
  const readAsked = await read2026(a, {});
  expect(readAsked.result.resultType).toBe("input_required");
  expect(readAsked.result.requestState).not.toBe("asked-diary");
  const readDone = await read2026(b, {
    requestState: readAsked.result.requestState,
    inputResponses: { name: { action: "accept", content: { name: "Noor" } } },
  });
  expect(JSON.stringify(readDone.result.contents)).toContain("Noor's diary (state asked-diary)");

  // The attack: an instance route called with the old proof (an HMAC of a fixed string and
  // the instance id, computable from the secret alone) and no token. The replica routes are not on
  // the public port, however spelled, and on the internal one take only signed requests.
  const instance = "7f0c7c3e-1111-4222-8333-944444444444";
  const forged = (proof: string, body: unknown) => ({
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "x-replica-proof": proof,
      "x-replica-origin": "http://127.0.0.1:1",
    },
    body: JSON.stringify(body),
  });
  const proofFor = (subject: string) =>
    createHmac("sha256", shared.ARCHESTRA_AUTH_SECRET).update(subject).digest("base64url");
  const initialize = forged(proofFor(`forward:${instance}`), {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "attacker", version: "1" } },
  });
  const reply = forged(proofFor("relay-reply"), { principal: id, reply: { id: 1, result: {} } });
  for (const path of [`/api/internal/instances/${instance}/mcp`, `/api/%69nternal/instances/${instance}/mcp`]) {
    expect((await fetch(`${a}${path}`, initialize)).status).toBe(404);
  }
  expect((await fetch(`${a}/api/internal/relay`, reply)).status).toBe(404);
  expect((await fetch(`${internals[0]}/api/internal/instances/${instance}/mcp`, initialize)).status).toBe(403);
  expect((await fetch(`${internals[0]}/api/internal/relay`, reply)).status).toBe(403);
  expect((await fetch(`${internals[0]}/api/internal/bridge`, reply)).status).toBe(403);
  // Metrics: on the internal listener, not (without ARCHESTRA_METRICS_TOKEN) on the public port.
  expect((await fetch(`${a}/api/metrics`)).status).toBe(404);
  const metrics = await fetch(`${internals[0]}/api/metrics`);
  expect(metrics.status).toBe(200);
  expect(await metrics.text()).toContain('gateway="shared"');
  // The internal listener serves nothing else.
  expect((await fetch(`${internals[0]}/api/mcp/shared`, { method: "POST" })).status).toBe(404);
  expect((await fetch(`${internals[0]}/api/ready`)).status).toBe(404);

  // A cancellation sent to B stops the call running on A: its stream ends well before the
  // operation would have finished.
  const longCall = await postMcp(gatewayA, token, {
    jsonrpc: "2.0",
    id: 2,
    method: "tools/call",
    params: {
      name: "everything__trigger-long-running-operation",
      arguments: { duration: 30, steps: 30 },
      _meta: { progressToken: "p" },
    },
  });
  const longMessages = sseMessages(longCall);
  await nextMatching(longMessages, (m) => m.method === "notifications/progress");
  const cancelledAt = Date.now();
  const cancel = await postMcp(gatewayB, token, {
    jsonrpc: "2.0",
    method: "notifications/cancelled",
    params: { requestId: 2, reason: "test" },
  });
  expect(cancel.status).toBe(202);
  const end = await nextMatching(longMessages, (m) => m.id === 2).catch(() => null);
  expect(end?.result?.content).toBeUndefined();
  expect(Date.now() - cancelledAt).toBeLessThan(5_000);

  // A change saved on A reaches a client listening on B.
  let changed = 0;
  (clients[1] as Client).setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
  await call(a, "/gateways/shared/assignments", "PUT", adminToken, {
    assignments: [
      {
        server: "everything",
        tools: ["echo", "trigger-sampling-request", "toggle-subscriber-updates"],
        // A chosen subset of tools alone exposes none of the server's resources.
        resources: "all",
      },
    ],
  });
  await expect.poll(() => changed, { timeout: 5_000 }).toBeGreaterThan(0);
  expect((await (clients[1] as Client).listTools()).tools).toHaveLength(3);

  // A subscription made through A reaches the client's event stream held by B: requests go to
  // A, the GET stream to B.
  const split: typeof fetch = (input, init) => {
    const target = new URL(input instanceof Request ? input.url : String(input));
    target.host = new URL((init?.method ?? "GET") === "GET" ? b : a).host;
    return fetch(target, init);
  };
  const subscriber = new Client({ name: "subscriber", version: "1" });
  const updates: string[] = [];
  subscriber.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
  await subscriber.connect(
    new StreamableHTTPClientTransport(new URL(gatewayA), {
      fetch: split,
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  const resource = (await subscriber.listResources()).resources[0];
  expect(resource?.uri).toMatch(/^demo:\/\/resource\//);
  await new Promise((r) => setTimeout(r, 500));
  await subscriber.subscribeResource({ uri: resource?.uri ?? "" });
  await subscriber.callTool({ name: "everything__toggle-subscriber-updates", arguments: {} });
  // The server sends updates for subscribed resources every five seconds.
  await expect.poll(() => updates, { timeout: 15_000 }).toContain(resource?.uri);
  await subscriber.close();

  // A session ended on A (DELETE) is unknown on B from then on.
  const mcpHeaders = (session?: string) => ({
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    authorization: `Bearer ${token}`,
    ...(session ? { "mcp-session-id": session } : {}),
  });
  const initialized = await fetch(gatewayA, {
    method: "POST",
    headers: mcpHeaders(),
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } },
    }),
  });
  const session = initialized.headers.get("mcp-session-id") ?? "";
  const listOn = (base: string) =>
    fetch(`${base}/api/mcp/shared`, {
      method: "POST",
      headers: mcpHeaders(session),
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
    }).then((r) => r.status);
  expect(await listOn(b)).toBe(200);
  expect((await fetch(gatewayA, { method: "DELETE", headers: mcpHeaders(session) })).status).toBe(200);
  expect(await listOn(a)).toBe(404);
  await expect.poll(() => listOn(b), { timeout: 2_000 }).toBe(404);

  // The token's streams open on B: a 2025 GET event stream and a 2026-07-28 listen stream ...
  const untilEnd = (response: Response) =>
    (async () => {
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      while (!(await reader.read()).done);
      return Date.now();
    })();
  const stream = await fetch(gatewayB, { headers: { accept: "text/event-stream", authorization: `Bearer ${token}` } });
  expect(stream.status).toBe(200);
  const listen = await fetch(gatewayB, {
    method: "POST",
    headers: { ...mcpHeaders(), "mcp-protocol-version": "2026-07-28", "mcp-method": "subscriptions/listen" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 7,
      method: "subscriptions/listen",
      params: {
        notifications: { toolsListChanged: true },
        _meta: {
          "io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientCapabilities": {},
        },
      },
    }),
  });
  expect(listen.status).toBe(200);
  expect(listen.headers.get("content-type")).toContain("text/event-stream");
  const streamEnded = untilEnd(stream);
  const listenEnded = untilEnd(listen);

  // Revoked on A: refused by B within a second, and the stream on B ends.
  await call(a, `/tokens/${id}`, "DELETE", adminToken);
  const revokedAt = Date.now();
  let refusedAfter = -1;
  while (Date.now() - revokedAt < 3000) {
    const r = await fetch(`${b}/api/mcp/shared`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    if (r.status === 401) {
      refusedAfter = Date.now() - revokedAt;
      break;
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  expect(refusedAfter).toBeGreaterThanOrEqual(0);
  expect(refusedAfter).toBeLessThanOrEqual(1100);
  expect((await streamEnded) - revokedAt).toBeLessThan(3_000);
  expect((await listenEnded) - revokedAt).toBeLessThan(3_000);

  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await replicas.stop();
});
