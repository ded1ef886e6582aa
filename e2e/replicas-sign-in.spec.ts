import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { expect, test } from "@playwright/test";
import { freePort } from "@/lib/net/free-port";
import { callApi, startReplicas } from "./replica-support";
import { firstText } from "./support";

// Two replicas on one PostgreSQL behind one address (a load balancer the test switches): a
// person signs in and consents on replica A, and the client exchanges the code, refreshes and
// calls the gateway on replica B. Nothing of the authorization server lives in one process.
const children: ChildProcess[] = [];
test.skip(!process.env.TEST_DATABASE_URL, "TEST_DATABASE_URL is not set: the two-replica test needs PostgreSQL");
test.afterAll(() => {
  for (const c of children) c.kill("SIGTERM");
});

/** A load balancer on loopback that sends every request, Host header unchanged, to the replica chosen now. */
async function balancer(): Promise<{
  url: string;
  use(base: string): void;
  served: Map<string, number>;
  close(): void;
}> {
  let target = "";
  const served = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const to = new URL(target);
    served.set(target, (served.get(target) ?? 0) + 1);
    const upstream = http.request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    use: (base) => {
      target = base;
    },
    served,
    close: () => server.close(),
  };
}

test("sign in on one replica; exchange the code, refresh and call the gateway on the other", async ({ page }) => {
  test.setTimeout(120_000);
  const upstreamPort = await freePort();
  children.push(
    spawn(path.resolve("node_modules/.bin/mcp-server-everything"), ["streamableHttp"], {
      env: { ...process.env, PORT: String(upstreamPort) },
      stdio: "ignore",
    }),
  );
  const replicas = await startReplicas(
    "replicas_signin",
    {
      ARCHESTRA_ENCRYPTION_KEYS: Buffer.alloc(32, 5).toString("base64"),
      ARCHESTRA_AUTH_SECRET: "z".repeat(40),
      ARCHESTRA_ADMIN_EMAIL: "signin@example.com",
      ARCHESTRA_ADMIN_PASSWORD: "signin-password-1",
    },
    children,
  );
  const [a, b] = replicas.bases;
  const lb = await balancer();
  const gateway = `${lb.url}/api/mcp/main`;

  lb.use(a);
  const { token: admin } = await callApi(lb.url, "/auth/token", "POST", null, {
    email: "signin@example.com",
    password: "signin-password-1",
  });
  const dana = { email: "dana@example.com", name: "Dana", password: "dana-password-1" };
  await callApi(lb.url, "/users", "POST", admin, dana);
  await callApi(lb.url, "/catalog", "POST", admin, {
    kind: "remote",
    name: "Everything",
    slug: "everything",
    url: `http://127.0.0.1:${upstreamPort}/mcp`,
    authKind: "none",
  });
  const { token: danaToken } = await callApi(lb.url, "/auth/token", "POST", null, dana);
  // Only Dana holds a credential: a call resolves to hers or to none.
  await callApi(lb.url, "/catalog/everything/credentials", "POST", danaToken, {});
  await callApi(lb.url, "/gateways", "POST", admin, { name: "Main", slug: "main" });
  await callApi(lb.url, "/gateways/main/assignments", "PUT", admin, {
    assignments: [{ server: "everything", tools: ["echo"] }],
  });

  // On A: the client registers, and Dana signs in and consents in the browser.
  const redirectUri = "http://127.0.0.1:45890/callback";
  const registered = await fetch(`${lb.url}/oauth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "Replica Agent",
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: "none",
    }),
  });
  expect(registered.status).toBe(201);
  const clientId = ((await registered.json()) as { client_id: string }).client_id;
  const verifier = randomBytes(32).toString("base64url");
  const authorize = new URL(`${lb.url}/oauth/authorize`);
  for (const [k, v] of Object.entries({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: "code",
    scope: "mcp",
    state: "replica-state",
    resource: gateway,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  }))
    authorize.searchParams.set(k, v);
  let back: URL | undefined;
  await page.route(`${new URL(redirectUri).origin}/**`, async (route) => {
    back = new URL(route.request().url());
    await route.fulfill({ status: 200, body: "done" });
  });
  await page.goto(authorize.href);
  await page.getByLabel("Email").fill(dana.email);
  await page.getByLabel("Password").fill(dana.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Replica Agent wants to use gateway Main as Dana");
  await page.getByRole("button", { name: "Allow", exact: true }).click();
  await expect.poll(() => back?.searchParams.get("code") ?? "").not.toBe("");
  expect(back?.searchParams.get("state")).toBe("replica-state");
  expect(back?.searchParams.get("iss")).toBe(lb.url);
  const servedByA = lb.served.get(a) ?? 0;
  expect(servedByA).toBeGreaterThan(3);

  // On B: the code is exchanged, and the gateway called with the token.
  lb.use(b);
  const token = async (body: Record<string, string>) =>
    (await (
      await fetch(`${lb.url}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ client_id: clientId, ...body }),
      })
    ).json()) as Record<string, string>;
  const issued = await token({
    grant_type: "authorization_code",
    code: back?.searchParams.get("code") as string,
    redirect_uri: redirectUri,
    code_verifier: verifier,
    resource: gateway,
  });
  expect(issued.access_token).toBeTruthy();
  const callAs = async (accessToken: string, message: string) => {
    const client = new Client({ name: "replica-agent", version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(gateway), {
        requestInit: { headers: { authorization: `Bearer ${accessToken}` } },
      }),
    );
    const text = firstText(await client.callTool({ name: "everything__echo", arguments: { message } }));
    await client.close();
    return text;
  };
  expect(await callAs(issued.access_token as string, "from B")).toContain("from B");

  // Refreshed on A, used on B.
  lb.use(a);
  const refreshed = await token({ grant_type: "refresh_token", refresh_token: issued.refresh_token as string });
  expect(refreshed.access_token).toBeTruthy();
  lb.use(b);
  expect(await callAs(refreshed.access_token as string, "refreshed")).toContain("refreshed");
  expect(lb.served.get(b) ?? 0).toBeGreaterThan(3);
  expect(lb.served.get(a)).toBeGreaterThan(servedByA);

  lb.close();
  await replicas.stop();
});
