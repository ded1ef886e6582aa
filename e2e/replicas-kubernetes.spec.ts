import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { expect, test } from "@playwright/test";
import { callApi, expectOneMemoryServer, gatewayClient, startReplicas, toolsDiscovered } from "./replica-support";

// Two app replicas on one PostgreSQL, both pointed at one (test) Kubernetes API: a stdio
// server's pod is attached by exactly one replica; the other forwards its calls there.
const url = process.env.TEST_DATABASE_URL;
const children: ChildProcess[] = [];

test.skip(!url, "TEST_DATABASE_URL is not set: the two-replica test needs PostgreSQL");
test.afterAll(() => {
  for (const c of children) c.kill("SIGTERM");
});

test("one attach stream per stdio pod across two replicas; calls through either reach the same server", async () => {
  test.setTimeout(120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "replicas-k8s-"));
  const kube = spawn(process.execPath, ["--import", "tsx", "test/kube-api/main.ts", dir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(kube);
  const [, kubeUrl, kubeconfig] = await new Promise<string[]>((resolve) =>
    kube.stdout?.on("data", (d: Buffer) => {
      const line = d.toString().trim();
      if (line.startsWith("ready ")) resolve(line.split(" "));
    }),
  );

  const replicas = await startReplicas(
    "replicas_k8s",
    {
      ARCHESTRA_ENCRYPTION_KEYS: Buffer.alloc(32, 9).toString("base64"),
      ARCHESTRA_AUTH_SECRET: "y".repeat(40),
      ARCHESTRA_ADMIN_EMAIL: "k8s@example.com",
      ARCHESTRA_ADMIN_PASSWORD: "k8s-password-1",
      ARCHESTRA_ORCHESTRATOR_KUBECONFIG: kubeconfig as string,
      ARCHESTRA_ORCHESTRATOR_RECONCILE_INTERVAL_SECONDS: "1",
    },
    children,
  );
  const { bases, schema, db: admin } = replicas;
  const [a, b] = bases;
  const call = callApi;
  const { token } = await call(a, "/auth/token", "POST", null, {
    email: "k8s@example.com",
    password: "k8s-password-1",
  });
  await call(a, "/catalog", "POST", token, {
    kind: "local",
    name: "Memory",
    slug: "memory",
    command: path.resolve("node_modules/.bin/mcp-server-memory"),
  });
  await call(a, "/catalog/memory/credentials", "POST", token, {});
  await call(a, "/gateways", "POST", token, { name: "K8s", slug: "k8s" });
  // Tools are discovered once the pod runs (either replica may be the leader).
  await toolsDiscovered(a, token, "memory");
  await call(b, "/gateways/k8s/assignments", "PUT", token, { assignments: [{ server: "memory" }] });
  const agent = (await call(a, "/tokens", "POST", token, { name: "agent" })) as { token: string; id: string };

  const clients = await Promise.all(bases.map((base) => gatewayClient(base, "k8s", agent.token)));
  // Written through A, read through B (and the other way): one server process behind both.
  await expectOneMemoryServer(clients);
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      (clients[i % 2] as Client).callTool({ name: "memory__read_graph", arguments: {} }),
    ),
  );

  const attachments = (await (await fetch(`${kubeUrl}/debug/attachments`)).json()) as Record<
    string,
    { open: number; max: number }
  >;
  const pods = Object.values(attachments);
  expect(pods).toHaveLength(1);
  expect(pods[0]?.max).toBe(1);

  // The replica that served forwarded calls audited each under the person and token that made it
  // (the forwarding replica's own "tool.call" row names them too).
  const forwardedRows = async () =>
    (
      await admin.query(
        `select a.actor_token_id, a.token_kind, u.email, a.tool_name, a.outcome, a.details
           from ${schema}.audit_events a left join ${schema}.users u on u.id = a.actor_user_id
          where a.action = 'tool.call.forwarded'`,
      )
    ).rows as { actor_token_id: string; token_kind: string; email: string; tool_name: string; outcome: string }[];
  await expect.poll(async () => (await forwardedRows()).length, { timeout: 5_000 }).toBeGreaterThan(0);
  for (const row of await forwardedRows()) {
    expect(row).toMatchObject({
      actor_token_id: agent.id,
      token_kind: "user",
      email: "k8s@example.com",
      outcome: "ok",
    });
  }

  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await replicas.stop();
});
