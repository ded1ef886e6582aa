import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CredentialSecret } from "@/lib/credentials/credential-secret";
import { credentialSecretContext, openJson, sealJson } from "@/lib/crypto";
import { freePort } from "@/lib/net/free-port";
import { createCatalogItem } from "@/lib/registry/create-catalog-item";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { makeUser, testKeyring } from "@/test/support/fixtures";
import { authorizeAs } from "@/test/support/oauth-consent";
import { type OAuthMcp, startOAuthMcp } from "@/test/servers/oauth-mcp-server";
import { oauthAccessToken, RefreshFailedError } from "./access-token";
import { finishOAuthFlow } from "./finish-flow";
import { confirmPinnedEndpoints, pinsOf } from "./pin-endpoints";
import { startOAuthFlow } from "./start-flow";

// Hostile authorization servers: one that stalls, one that mixes itself up with an honest IdP,
// and one whose metadata changes under a catalog entry. This file runs in its own process, so
// the short outbound timeout below is this file's alone.
process.env.ARCHESTRA_OUTBOUND_TIMEOUT_SECONDS = "2";

const ORIGIN = "http://app.test";
const CALLBACK = `${ORIGIN}/api/oauth/callback`;
const keyring = testKeyring();

/** Resolves to how long `work` took, or rejects when it takes longer than `ms`. */
async function within<T>(ms: number, work: Promise<T>): Promise<number> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
  return Date.now() - started;
}

describe.each(backends)("hostile authorization servers on $name", (backend) => {
  const t = useMigratedDatabase(backend);
  let open: OAuthMcp;
  let other: OAuthMcp;
  let honest: OAuthMcp;
  beforeAll(async () => {
    open = await startOAuthMcp({ asPort: await freePort(), mcpPort: await freePort() });
    other = await startOAuthMcp({ asPort: await freePort(), mcpPort: await freePort() });
    honest = await startOAuthMcp({
      asPort: await freePort(),
      mcpPort: await freePort(),
      registration: false,
      clients: [{ client_id: "orchestrator", client_secret: "s3cret", redirect_uris: [CALLBACK] }],
    });
  });
  afterAll(async () => {
    await Promise.all([open, other, honest].map((s) => s?.close()));
  });

  async function setup(url: string, extra: Record<string, unknown> = {}) {
    const admin = await makeUser(t.db, "admin", unique("admin"));
    const item = await createCatalogItem(t.db, keyring, admin, {
      kind: "remote",
      name: "Protected",
      slug: unique("protected"),
      url,
      authKind: "oauth",
      ...extra,
    });
    return { admin, item };
  }

  async function connect(slug: string, login: string) {
    const person = await makeUser(t.db, "member", unique(login));
    const url = await startOAuthFlow(t.db, keyring, person, slug, { scope: "personal" }, ORIGIN);
    const back = await authorizeAs(url, login, { stopAt: CALLBACK });
    return { person, ...(await finishOAuthFlow(t.db, keyring, person, back.searchParams, ORIGIN)) };
  }

  const credentialRow = (id: string) =>
    t.db.selectFrom("credentials").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

  async function expireAccessToken(credentialId: string) {
    const row = await credentialRow(credentialId);
    const secret = openJson<CredentialSecret>(keyring, row.sealed_secret, credentialSecretContext(row));
    const next = { ...secret, oauth: { ...secret.oauth, expiresAt: 1 } } as CredentialSecret;
    await t.db
      .updateTable("credentials")
      .set({ sealed_secret: sealJson(keyring, next, credentialSecretContext(row)) })
      .where("id", "=", credentialId)
      .execute();
  }

  it("a stalled token endpoint holds no database connection; the refresh gives up and the credential says why", async () => {
    const { item } = await setup(open.mcpUrl);
    const erin = await connect(item.slug, "erin");
    const fred = await connect(item.slug, "fred");
    await expireAccessToken(erin.credentialId);
    open.hangTokenEndpoint(true);
    try {
      const before = open.tokenRequests;
      const refreshing = oauthAccessToken(t.db, keyring, erin.credentialId).catch((e) => e);
      while (open.tokenRequests === before) await new Promise((r) => setTimeout(r, 20));
      // The token endpoint holds the refresh now. The database answers everyone else at once
      // (on the embedded database it has a single connection), and so do other credentials.
      expect(await within(1_000, t.db.selectFrom("users").select("id").limit(1).execute())).toBeLessThan(1_000);
      expect(await within(1_000, oauthAccessToken(t.db, keyring, fred.credentialId))).toBeLessThan(1_000);
      expect(await within(1_000, credentialRow(erin.credentialId))).toBeLessThan(1_000);
      const other = await makeUser(t.db, "member", unique("gina"));
      expect(
        await within(1_000, startOAuthFlow(t.db, keyring, other, item.slug, { scope: "personal" }, ORIGIN)),
      ).toBeLessThan(1_000);

      const err = await refreshing;
      expect(err).toBeInstanceOf(RefreshFailedError);
      expect(err.message).toBe(`Refreshing the access token failed: ${open.issuer} did not answer within 2 s.`);
      const row = await credentialRow(erin.credentialId);
      // A stall may pass: the credential stays usable and says what happened.
      expect(row.status).toBe("active");
      expect(row.status_reason).toContain(`${open.issuer} did not answer within 2 s`);
      expect(row.refresh_lease_until).toBeNull();
      // The next call does not wait again for a while: it fails at once with the same reason.
      const started = Date.now();
      await expect(oauthAccessToken(t.db, keyring, erin.credentialId)).rejects.toThrow(/did not answer within 2 s/);
      expect(Date.now() - started).toBeLessThan(200);
    } finally {
      open.hangTokenEndpoint(false);
    }
  });

  it("a replica holding the refresh lease is waited for, not raced", async () => {
    const { item } = await setup(open.mcpUrl);
    const hank = await connect(item.slug, "hank");
    await expireAccessToken(hank.credentialId);
    // Another replica took the lease a moment ago and is refreshing.
    await t.db
      .updateTable("credentials")
      .set({ refresh_lease_until: new Date(Date.now() + 60_000) })
      .where("id", "=", hank.credentialId)
      .execute();
    const before = open.tokenRequests;
    const waiting = oauthAccessToken(t.db, keyring, hank.credentialId);
    await new Promise((r) => setTimeout(r, 400));
    expect(open.tokenRequests).toBe(before);
    // It finishes: new tokens are written and the lease released; the waiter takes them.
    const row = await credentialRow(hank.credentialId);
    const secret = openJson<CredentialSecret>(keyring, row.sealed_secret, credentialSecretContext(row));
    const next = {
      ...secret,
      oauth: { ...secret.oauth, accessToken: "from-the-other-replica", expiresAt: Date.now() + 3_600_000 },
    };
    await t.db
      .updateTable("credentials")
      .set({
        sealed_secret: sealJson(keyring, next as CredentialSecret, credentialSecretContext(row)),
        refresh_lease_until: null,
      })
      .where("id", "=", hank.credentialId)
      .execute();
    expect(await waiting).toBe("from-the-other-replica");
    expect(open.tokenRequests).toBe(before);
  });

  it("mix-up: metadata naming an honest IdP's authorization endpoint never gets the code or the verifier", async () => {
    // The attacker's server: no protected-resource metadata (so its own origin is taken as its
    // authorization server), and authorization server metadata that sends people to the honest
    // IdP to sign in but keeps the token endpoint for itself.
    const hits: { url: string; body: string }[] = [];
    const attacker = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        hits.push({ url: req.url ?? "", body });
        const self = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
        if (req.url === "/.well-known/oauth-authorization-server") {
          res.writeHead(200, { "content-type": "application/json" }).end(
            JSON.stringify({
              issuer: self,
              authorization_endpoint: `${honest.issuer}/auth`,
              token_endpoint: `${self}/token`,
              response_types_supported: ["code"],
              code_challenge_methods_supported: ["S256"],
              grant_types_supported: ["authorization_code", "refresh_token"],
            }),
          );
        } else if (req.url === "/token") {
          res
            .writeHead(200, { "content-type": "application/json" })
            .end(JSON.stringify({ access_token: "stolen", token_type: "Bearer" }));
        } else if (req.url === "/mcp") {
          res.writeHead(401, { "www-authenticate": "Bearer" }).end();
        } else res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => attacker.listen(0, "127.0.0.1", () => r()));
    try {
      const port = (attacker.address() as AddressInfo).port;
      const { item } = await setup(`http://127.0.0.1:${port}/mcp`, { oauthClientId: "orchestrator", scopes: ["mcp"] });
      const person = await makeUser(t.db, "member", unique("ivy"));
      const url = new URL(await startOAuthFlow(t.db, keyring, person, item.slug, { scope: "personal" }, ORIGIN));
      expect(url.origin).toBe(honest.issuer);
      const back = await authorizeAs(url.href, "ivy", { stopAt: CALLBACK });
      // The honest IdP says who answered (RFC 9207).
      expect(back.searchParams.get("iss")).toBe(honest.issuer);
      await expect(finishOAuthFlow(t.db, keyring, person, back.searchParams, ORIGIN)).rejects.toThrow(
        /did not come from http:\/\/127\.0\.0\.1:\d+\/ where it started.*Nothing was sent/,
      );
      expect(hits.filter((h) => h.url.startsWith("/token"))).toEqual([]);
      expect(hits.some((h) => h.body.includes("code_verifier"))).toBe(false);
      const stored = await t.db.selectFrom("credentials").select("id").where("catalog_item_id", "=", item.id).execute();
      expect(stored).toEqual([]);
    } finally {
      await new Promise<void>((r) => {
        attacker.closeAllConnections();
        attacker.close(() => r());
      });
    }
  });

  it("refuses metadata whose issuer is not the server it was fetched from", async () => {
    const liar = http.createServer((req, res) => {
      const self = `http://127.0.0.1:${(liar.address() as AddressInfo).port}`;
      if (req.url === "/.well-known/oauth-authorization-server")
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            issuer: honest.issuer,
            authorization_endpoint: `${honest.issuer}/auth`,
            token_endpoint: `${self}/token`,
            response_types_supported: ["code"],
          }),
        );
      else if (req.url === "/mcp") res.writeHead(401, { "www-authenticate": "Bearer" }).end();
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => liar.listen(0, "127.0.0.1", () => r()));
    try {
      const { item } = await setup(`http://127.0.0.1:${(liar.address() as AddressInfo).port}/mcp`, {
        oauthClientId: "orchestrator",
      });
      const person = await makeUser(t.db, "member", unique("jack"));
      await expect(startOAuthFlow(t.db, keyring, person, item.slug, { scope: "personal" }, ORIGIN)).rejects.toThrow(
        /metadata names issuer http:\/\/127\.0\.0\.1:\d+, not .* mix-up/,
      );
    } finally {
      await new Promise<void>((r) => {
        liar.closeAllConnections();
        liar.close(() => r());
      });
    }
  });

  it("pins the discovered endpoints; a change waits for an admin to confirm it", async () => {
    const { admin, item } = await setup(open.mcpUrl);
    await connect(item.slug, "kate");
    let pins = pinsOf(
      await t.db.selectFrom("catalog_items").select("auth_config").where("id", "=", item.id).executeTakeFirstOrThrow(),
    );
    expect(pins.pinned?.token_endpoint).toBe(`${open.issuer}/token`);
    expect(pins.pending).toBeUndefined();

    open.setAuthorizationServer(other.issuer);
    try {
      const liam = await makeUser(t.db, "member", unique("liam"));
      await expect(startOAuthFlow(t.db, keyring, liam, item.slug, { scope: "personal" }, ORIGIN)).rejects.toThrow(
        new RegExp(
          `sign-in endpoints changed.*token endpoint: ${open.issuer}/token -> ${other.issuer}/token.*an admin confirms`,
        ),
      );
      pins = pinsOf(
        await t.db
          .selectFrom("catalog_items")
          .select("auth_config")
          .where("id", "=", item.id)
          .executeTakeFirstOrThrow(),
      );
      expect(pins.pending?.issuer).toBe(other.issuer);
      // A member cannot confirm; an admin can, and then sign-in goes to the new server.
      await expect(confirmPinnedEndpoints(t.db, liam, item.slug)).rejects.toThrow(/Only an admin/);
      await confirmPinnedEndpoints(t.db, admin, item.slug);
      const url = await startOAuthFlow(t.db, keyring, liam, item.slug, { scope: "personal" }, ORIGIN);
      expect(new URL(url).origin).toBe(other.issuer);
      await expect(confirmPinnedEndpoints(t.db, admin, item.slug)).rejects.toThrow(/no changed sign-in endpoints/);
    } finally {
      open.setAuthorizationServer(open.issuer);
    }
  });
});
