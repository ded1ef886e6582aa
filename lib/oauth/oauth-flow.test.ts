import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CredentialSecret } from "@/lib/credentials/credential-secret";
import { credentialSecretContext, openJson, sealJson } from "@/lib/crypto";
import { upstreamClient } from "@/lib/orchestrator/upstream-client";
import { freePort } from "@/lib/net/free-port";
import { createCatalogItem } from "@/lib/registry/create-catalog-item";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { makeUser, testKeyring } from "@/test/support/fixtures";
import { authorizeAs } from "@/test/support/oauth-consent";
import { type OAuthMcp, startOAuthMcp } from "@/test/servers/oauth-mcp-server";
import { NeedsReauthError, oauthAccessToken } from "./access-token";
import { finishOAuthFlow, OAuthFlowError } from "./finish-flow";
import { startOAuthFlow } from "./start-flow";

// The app's side of OAuth 2.1 against a real authorization server (oidc-provider) in front of a
// bearer-protected MCP server that checks each token's audience.
const ORIGIN = "http://app.test";
const CALLBACK = `${ORIGIN}/api/oauth/callback`;
const keyring = testKeyring();

describe.each(backends)("OAuth connection on $name", (backend) => {
  const t = useMigratedDatabase(backend);
  let open: OAuthMcp;
  let closed: OAuthMcp;
  beforeAll(async () => {
    open = await startOAuthMcp({ asPort: await freePort(), mcpPort: await freePort() });
    // No dynamic registration: only the client an admin registered works.
    closed = await startOAuthMcp({
      asPort: await freePort(),
      mcpPort: await freePort(),
      registration: false,
      clients: [{ client_id: "orchestrator", client_secret: "s3cret", redirect_uris: [CALLBACK] }],
    });
  });
  afterAll(async () => {
    await open?.close();
    await closed?.close();
  });

  async function setup(server: OAuthMcp, extra: Record<string, unknown> = {}) {
    const admin = await makeUser(t.db, "admin", "admin");
    const item = await createCatalogItem(t.db, keyring, admin, {
      kind: "remote",
      name: "Protected",
      slug: unique("protected"),
      url: server.mcpUrl,
      authKind: "oauth",
      ...extra,
    });
    return item;
  }

  async function connect(slug: string, login: string) {
    const person = await makeUser(t.db, "member", login);
    const url = await startOAuthFlow(t.db, keyring, person, slug, { scope: "personal" }, ORIGIN);
    const back = await authorizeAs(url, login, { stopAt: CALLBACK });
    const done = await finishOAuthFlow(t.db, keyring, person, back.searchParams, ORIGIN);
    return { person, url: new URL(url), back, ...done };
  }

  const whoami = async (credentialId: string, itemId: string) => {
    const client = await upstreamClient(t.db, null as never, keyring, { id: itemId, kind: "remote" }, credentialId);
    const result = (await client.callTool({ name: "whoami", arguments: {} })) as { content: { text: string }[] };
    return result.content[0]?.text;
  };

  const secretOf = async (credentialId: string) => {
    const row = await t.db
      .selectFrom("credentials")
      .selectAll()
      .where("id", "=", credentialId)
      .executeTakeFirstOrThrow();
    return { row, secret: openJson<CredentialSecret>(keyring, row.sealed_secret, credentialSecretContext(row)) };
  };

  const expireAccessToken = async (credentialId: string, accessToken?: string) => {
    const { row, secret } = await secretOf(credentialId);
    const oauth = { ...secret.oauth, accessToken: accessToken ?? secret.oauth?.accessToken ?? "", expiresAt: 1 };
    if (accessToken) oauth.expiresAt = Date.now() + 3_600_000;
    await t.db
      .updateTable("credentials")
      .set({ sealed_secret: sealJson(keyring, { ...secret, oauth }, credentialSecretContext(row)) })
      .where("id", "=", credentialId)
      .execute();
  };

  it("discovers, registers, uses PKCE and the resource, and calls with the person's own token", async () => {
    const item = await setup(open);
    const alice = await connect(item.slug, "alice");
    expect(alice.url.origin).toBe(open.issuer);
    expect(alice.url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(alice.url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(alice.url.searchParams.get("resource")).toBe(open.mcpUrl);
    expect(alice.url.searchParams.get("redirect_uri")).toBe(CALLBACK);
    // Registered once, remembered in the catalog entry.
    const stored = await t.db
      .selectFrom("catalog_items")
      .select("auth_config")
      .where("id", "=", item.id)
      .executeTakeFirstOrThrow();
    expect((stored.auth_config.registrations as unknown[]).length).toBe(1);
    // Tokens are sealed: the row holds no plaintext token.
    const { row, secret } = await secretOf(alice.credentialId);
    expect(secret.oauth?.accessToken).toBeTruthy();
    expect(secret.oauth?.refreshToken).toBeTruthy();
    expect(row.sealed_secret).not.toContain(secret.oauth?.accessToken ?? "x");
    expect(await whoami(alice.credentialId, item.id)).toBe("alice");
    expect(open.accepted.at(-1)).toEqual({ sub: "alice", aud: open.mcpUrl });

    // A second person gets their own credential and token.
    const bob = await connect(item.slug, "bob");
    expect(bob.credentialId).not.toBe(alice.credentialId);
    expect(await whoami(bob.credentialId, item.id)).toBe("bob");
    const again = await t.db
      .selectFrom("catalog_items")
      .select("auth_config")
      .where("id", "=", item.id)
      .executeTakeFirstOrThrow();
    expect((again.auth_config.registrations as unknown[]).length).toBe(1);
  });

  it("refreshes before expiry, once for concurrent callers, and after an upstream 401", async () => {
    const item = await setup(open);
    const carol = await connect(item.slug, "carol");
    const before = (await secretOf(carol.credentialId)).secret.oauth;
    await expireAccessToken(carol.credentialId);
    const tokens = await Promise.all([1, 2, 3, 4, 5].map(() => oauthAccessToken(t.db, keyring, carol.credentialId)));
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(before?.accessToken);
    const after = (await secretOf(carol.credentialId)).secret.oauth;
    expect(after?.accessToken).toBe(tokens[0]);
    expect((after?.expiresAt ?? 0) > Date.now() + 60_000).toBe(true);
    expect(await whoami(carol.credentialId, item.id)).toBe("carol");

    // The server refuses a token that still looks valid here: refreshed and sent again.
    const dave = await connect(item.slug, "dave");
    await expireAccessToken(dave.credentialId, "not-a-valid-token");
    expect(await whoami(dave.credentialId, item.id)).toBe("dave");
    expect((await secretOf(dave.credentialId)).secret.oauth?.accessToken).not.toBe("not-a-valid-token");
  });

  it("marks the credential as needing sign-in when the refresh fails", async () => {
    const item = await setup(open);
    const erin = await connect(item.slug, "erin");
    await open.revokeRefreshTokens();
    await expireAccessToken(erin.credentialId);
    await expect(oauthAccessToken(t.db, keyring, erin.credentialId)).rejects.toBeInstanceOf(NeedsReauthError);
    const { row } = await secretOf(erin.credentialId);
    expect(row.status).toBe("needs_reauth");
    expect(row.status_reason).toContain("Refreshing the access token failed");
    // Signing in again replaces the tokens of the same credential and makes it usable.
    const url = await startOAuthFlow(t.db, keyring, erin.person, item.slug, { scope: "personal" }, ORIGIN);
    const back = await authorizeAs(url, "erin", { stopAt: CALLBACK });
    const again = await finishOAuthFlow(t.db, keyring, erin.person, back.searchParams, ORIGIN);
    expect(again.credentialId).toBe(erin.credentialId);
    expect((await secretOf(erin.credentialId)).row.status).toBe("active");
    expect(await oauthAccessToken(t.db, keyring, erin.credentialId)).toBeTruthy();
  });

  it("refuses a replayed state, another person's state, a denial and a different callback address", async () => {
    const item = await setup(open);
    const frank = await makeUser(t.db, "member", "frank");
    const grace = await makeUser(t.db, "member", "grace");
    const count = async () =>
      (await t.db.selectFrom("credentials").select("id").where("catalog_item_id", "=", item.id).execute()).length;

    // Another person's state.
    const url = await startOAuthFlow(t.db, keyring, frank, item.slug, { scope: "personal" }, ORIGIN);
    const back = await authorizeAs(url, "frank", { stopAt: CALLBACK });
    await expect(finishOAuthFlow(t.db, keyring, grace, back.searchParams, ORIGIN)).rejects.toThrow(
      /started by someone else/,
    );
    // The rightful person can still use it once; a replay is refused.
    await finishOAuthFlow(t.db, keyring, frank, back.searchParams, ORIGIN);
    await expect(finishOAuthFlow(t.db, keyring, frank, back.searchParams, ORIGIN)).rejects.toThrow(/already used/);
    expect(await count()).toBe(1);

    // Denied consent: a clear message, nothing stored.
    const denied = await authorizeAs(
      await startOAuthFlow(t.db, keyring, grace, item.slug, { scope: "personal" }, ORIGIN),
      "grace",
      { deny: true, stopAt: CALLBACK },
    );
    expect(denied.searchParams.get("error")).toBe("access_denied");
    const refusal = await finishOAuthFlow(t.db, keyring, grace, denied.searchParams, ORIGIN).catch((e) => e);
    expect(refusal).toBeInstanceOf(OAuthFlowError);
    expect(refusal.message).toContain("access was denied");
    expect(refusal.slug).toBe(item.slug);
    expect(await count()).toBe(1);

    // Back at another address than the flow started from.
    const moved = await authorizeAs(
      await startOAuthFlow(t.db, keyring, grace, item.slug, { scope: "personal" }, ORIGIN),
      "grace",
      { stopAt: CALLBACK },
    );
    await expect(finishOAuthFlow(t.db, keyring, grace, moved.searchParams, "http://elsewhere.test")).rejects.toThrow(
      /came back to http:\/\/elsewhere\.test/,
    );
    expect(await count()).toBe(1);

    // The authorization server refuses the code (here: a forged one): said plainly, nothing stored.
    const forged = await authorizeAs(
      await startOAuthFlow(t.db, keyring, grace, item.slug, { scope: "personal" }, ORIGIN),
      "grace",
      { stopAt: CALLBACK },
    );
    forged.searchParams.set("code", "forged-code");
    await expect(finishOAuthFlow(t.db, keyring, grace, forged.searchParams, ORIGIN)).rejects.toThrow(
      /refused the code/,
    );
    // An error the authorization server reports at the callback.
    const reported = await startOAuthFlow(t.db, keyring, grace, item.slug, { scope: "personal" }, ORIGIN);
    const state = new URL(reported).searchParams.get("state") ?? "";
    await expect(
      finishOAuthFlow(
        t.db,
        keyring,
        grace,
        new URLSearchParams({ state, error: "invalid_scope", error_description: "scope mcp:admin is unknown" }),
        ORIGIN,
      ),
    ).rejects.toThrow('answered "invalid_scope": scope mcp:admin is unknown');
    expect(await count()).toBe(1);

    // No state at all.
    await expect(finishOAuthFlow(t.db, keyring, grace, new URLSearchParams("code=x"), ORIGIN)).rejects.toThrow(
      /not valid here/,
    );
  });

  it("explains what the admin must configure without registration, and uses a configured client", async () => {
    const bare = await setup(closed);
    const henry = await makeUser(t.db, "member", "henry");
    await expect(startOAuthFlow(t.db, keyring, henry, bare.slug, { scope: "personal" }, ORIGIN)).rejects.toThrow(
      /does not offer dynamic client registration.*client id/,
    );
    const configured = await setup(closed, { oauthClientId: "orchestrator", oauthClientSecret: "s3cret" });
    const ivan = await connect(configured.slug, "ivan");
    expect(ivan.url.searchParams.get("client_id")).toBe("orchestrator");
    expect(await whoami(ivan.credentialId, configured.id)).toBe("ivan");
    // Refresh works with the configured (confidential) client too.
    await expireAccessToken(ivan.credentialId);
    expect(await oauthAccessToken(t.db, keyring, ivan.credentialId)).toBeTruthy();
  });
});
