import { exchangeAuthorization } from "@modelcontextprotocol/sdk/client/auth.js";
import type { AuthorizationServerMetadata } from "@modelcontextprotocol/sdk/shared/auth.js";
import { sql } from "kysely";
import * as o from "oauth4webapi";
import type { Database } from "@/db";
import { recordEvent } from "@/lib/audit/record-event";
import type { Actor } from "@/lib/auth/actor";
import { storeCredential } from "@/lib/credentials/install-credential";
import { type Keyring, oauthStateContext, openJson } from "@/lib/crypto";
import { AppError } from "@/lib/errors";
import { EgressRefusedError, egressPolicyFor, OutboundError, outboundFetch } from "@/lib/http/outbound";
import { clientForRefresh } from "./client-registration";
import { callbackUrl, type FlowPayload } from "./start-flow";

/** Carries a failed flow's message to the registry page for a moment (never in the URL). */
export const OAUTH_ERROR_COOKIE = "oauth_error";

/** A flow that failed; `slug` says which registry page to show the message on, when known. */
export class OAuthFlowError extends AppError {
  constructor(
    message: string,
    readonly slug?: string,
  ) {
    super("bad_request", message);
  }
}

/**
 * The authorization server's answer at the callback: the state must be one this person
 * started, unused and unexpired (it is used up now, whatever follows), and the callback must be
 * the exact redirect URI the flow started with. Then the code is exchanged (with the PKCE
 * verifier and resource) and the tokens stored, sealed, as the person's or team's credential.
 */
export async function finishOAuthFlow(
  db: Database,
  keyring: Keyring,
  actor: Actor,
  query: URLSearchParams,
  origin: string,
): Promise<{ slug: string; credentialId: string; itemId: string }> {
  const state = query.get("state");
  const row = state
    ? await db
        .updateTable("oauth_states")
        .set({ used_at: new Date() })
        .where("state", "=", state)
        .where("user_id", "=", actor.id)
        .where("used_at", "is", null)
        .where("expires_at", ">", sql<Date>`now()`)
        .returningAll()
        .executeTakeFirst()
    : undefined;
  if (!row)
    throw new OAuthFlowError(
      "This sign-in answer is not valid here: it expired, was already used, or was started by someone else. Start again from the registry.",
    );
  const item = await db
    .selectFrom("catalog_items")
    .selectAll()
    .where("id", "=", row.catalog_item_id)
    .executeTakeFirstOrThrow();
  const fail = (message: string) => new OAuthFlowError(message, item.slug);
  const error = query.get("error");
  if (error) {
    const description = query.get("error_description");
    throw fail(
      error === "access_denied"
        ? `${item.name} was not connected: access was denied${description ? ` (${description})` : ""}.`
        : `${item.name} was not connected: its authorization server answered "${error}"${description ? `: ${description}` : ""}.`,
    );
  }
  if (row.redirect_uri !== callbackUrl(origin))
    throw fail(
      `${item.name} was not connected: the sign-in came back to ${callbackUrl(origin)}, not to ${row.redirect_uri} where it started. Set ARCHESTRA_PUBLIC_URL to the address people use.`,
    );
  const code = query.get("code");
  if (!code) throw fail(`${item.name} was not connected: the authorization server sent no code.`);
  const flow = openJson<FlowPayload>(keyring, row.sealed_payload, oauthStateContext(row));
  // RFC 9207: the answer must come from the authorization server the flow started with (and say
  // so when that server promises to), or the code and PKCE verifier would go to another one.
  try {
    o.validateAuthResponse(
      flow.metadata as unknown as o.AuthorizationServer,
      { client_id: flow.clientId },
      query,
      o.skipStateCheck,
    );
  } catch (err) {
    throw fail(
      `${item.name} was not connected: the sign-in answer did not come from ${flow.authorizationServer} where it started (${(err as Error).message}; issuer ${query.get("iss") ?? "not given"}). Nothing was sent to the authorization server.`,
    );
  }
  const policy = await egressPolicyFor(item.url);
  const tokens = await exchangeAuthorization(flow.authorizationServer, {
    metadata: flow.metadata as AuthorizationServerMetadata,
    clientInformation: clientForRefresh(keyring, item, flow.clientId),
    authorizationCode: code,
    codeVerifier: flow.codeVerifier,
    redirectUri: row.redirect_uri,
    resource: flow.resource ? new URL(flow.resource) : undefined,
    fetchFn: outboundFetch({ policy }),
  }).catch((err: Error) => {
    throw fail(
      err instanceof EgressRefusedError || err instanceof OutboundError
        ? `${item.name} was not connected: the code could not be exchanged (${err.message})`
        : `${item.name} was not connected: the authorization server refused the code (${err.message}).`,
    );
  });
  const stored = await storeCredential(
    db,
    keyring,
    actor,
    item,
    { scope: row.credential_scope, teamId: row.owner_team_id ?? undefined },
    {
      oauth: {
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
        expiresAt: tokens.expires_in ? Date.now() + tokens.expires_in * 1000 : undefined,
        tokenType: tokens.token_type,
        scope: tokens.scope,
        authorizationServer: flow.authorizationServer,
        metadata: flow.metadata,
        clientId: flow.clientId,
        resource: flow.resource,
      },
    },
  );
  await recordEvent(db, {
    action: "credential.oauth",
    outcome: "ok",
    actor_user_id: actor.id,
    catalog_item_id: item.id,
    credential_id: stored.id,
  });
  return { slug: item.slug, credentialId: stored.id, itemId: item.id };
}
