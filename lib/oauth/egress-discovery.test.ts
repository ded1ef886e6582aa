import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomInt } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalogItem } from "@/lib/registry/create-catalog-item";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { makeUser, testKeyring } from "@/test/support/fixtures";
import { startOAuthFlow } from "./start-flow";

// SSRF through discovery, for real: a "public-looking" upstream, reached at an address that is
// not loopback, hands the app loopback URLs (in WWW-Authenticate, in its metadata, through a
// redirect, as a registration endpoint). The upstream runs in a network namespace this test
// creates (a veth pair with documentation-range addresses); the loopback service it points at
// must record no request at all. Needs root for `ip netns`; skipped with the reason otherwise.
const ORIGIN = "http://app.test";
const keyring = testKeyring();

function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "not running as root (ip netns needs it)";
  try {
    execFileSync("ip", ["netns", "list"], { stdio: "ignore" });
    return null;
  } catch {
    return "the ip command (iproute2) with netns support is not available";
  }
}
const unavailable = netnsUnavailable();
if (unavailable) console.log(`Skipping the network-namespace SSRF test: ${unavailable}.`);

// The hostile upstream, run inside the namespace. LOOPBACK is the host's loopback service.
const UPSTREAM = `
const http = require("node:http");
const { HOST, PORT, LOOPBACK } = process.env;
const self = "http://" + HOST + ":" + PORT;
const json = (res, body) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
http.createServer((req, res) => {
  const u = req.url;
  const challenge = (to) => res.writeHead(401, { "www-authenticate": 'Bearer resource_metadata="' + to + '"' }).end();
  if (u === "/a") return challenge(LOOPBACK + "/resource-metadata");
  if (u === "/b") return challenge(self + "/prm-b");
  if (u === "/c") return challenge(self + "/bounce");
  if (u === "/d") return challenge(self + "/prm-d");
  if (u === "/prm-b") return json(res, { resource: self + "/b", authorization_servers: [LOOPBACK + "/as"] });
  if (u === "/bounce") return res.writeHead(302, { location: LOOPBACK + "/resource-metadata" }).end();
  if (u === "/prm-d") return json(res, { resource: self + "/d", authorization_servers: [self] });
  if (u === "/.well-known/oauth-authorization-server")
    return json(res, {
      issuer: self,
      authorization_endpoint: self + "/authorize",
      token_endpoint: LOOPBACK + "/token",
      registration_endpoint: LOOPBACK + "/register",
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
    });
  res.writeHead(404).end();
}).listen(Number(PORT), HOST, () => console.log("ready"));
`;

describe.skipIf(unavailable !== null).each(backends)("SSRF through discovery on $name", (backend) => {
  const t = useMigratedDatabase(backend);
  const tag = `${process.pid % 10000}${randomInt(100)}`;
  const ns = `egress${tag}`;
  const block = randomInt(1, 63) * 4;
  const hostAddress = `203.0.113.${block + 1}`;
  const upstreamAddress = `203.0.113.${block + 2}`;
  const upstream = `http://${upstreamAddress}:8080`;
  const hits: string[] = [];
  let loopback: http.Server;
  let child: ChildProcess | undefined;
  const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" });

  beforeAll(async () => {
    loopback = http.createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
    await new Promise<void>((r) => loopback.listen(0, "127.0.0.1", () => r()));
    const loopbackUrl = `http://127.0.0.1:${(loopback.address() as AddressInfo).port}`;
    ip("netns", "add", ns);
    ip("link", "add", `veg${tag}h`, "type", "veth", "peer", "name", `veg${tag}n`);
    ip("link", "set", `veg${tag}n`, "netns", ns);
    ip("addr", "add", `${hostAddress}/30`, "dev", `veg${tag}h`);
    ip("link", "set", `veg${tag}h`, "up");
    ip("-n", ns, "addr", "add", `${upstreamAddress}/30`, "dev", `veg${tag}n`);
    ip("-n", ns, "link", "set", `veg${tag}n`, "up");
    ip("-n", ns, "link", "set", "lo", "up");
    const started = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", UPSTREAM], {
      env: { HOST: upstreamAddress, PORT: "8080", LOOPBACK: loopbackUrl } as unknown as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "inherit"],
    }) as ChildProcess;
    child = started;
    await new Promise<void>((resolve, reject) => {
      started.stdout?.on("data", (d: Buffer) => String(d).includes("ready") && resolve());
      started.once("exit", (code: number | null) =>
        reject(new Error(`the upstream in the namespace exited (${code})`)),
      );
    });
  });

  afterAll(async () => {
    child?.kill();
    try {
      ip("netns", "del", ns); // removes the veth pair with it
    } catch {}
    await new Promise<void>((r) => loopback?.close(() => r()));
  });

  it.each([
    ["/a", "a WWW-Authenticate resource_metadata on loopback"],
    ["/b", "protected-resource metadata naming a loopback authorization server"],
    ["/c", "a redirect from its own metadata URL to loopback"],
    ["/d", "authorization server metadata with a loopback registration endpoint"],
  ])("an upstream at a private address cannot make the app reach loopback: %s, %s", async (path) => {
    const admin = await makeUser(t.db, "admin", unique("admin"));
    const item = await createCatalogItem(t.db, keyring, admin, {
      kind: "remote",
      name: "Public-looking",
      slug: unique("public-looking"),
      url: `${upstream}${path}`,
      authKind: "oauth",
    });
    const person = await makeUser(t.db, "member", unique("mona"));
    await expect(startOAuthFlow(t.db, keyring, person, item.slug, { scope: "personal" }, ORIGIN)).rejects.toThrow(
      /Refused to connect to 127\.0\.0\.1: a loopback address.*\(private\)\. An admin can allow it with ARCHESTRA_EGRESS_ALLOW/,
    );
    expect(hits).toEqual([]);
  });
});
