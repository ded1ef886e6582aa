import type Provider from "oidc-provider";
import type { Database } from "@/db";
import { recordEvent } from "@/lib/audit/record-event";
import type { Actor } from "@/lib/auth/actor";
import { canUseGateway, findGateway, type Gateway, userViewer } from "@/lib/gateway/gateway-access";
import { gatewaySlugOf } from "@/lib/gateway/gateway-url";
import { recordConnectedApp } from "./gateway-token";
import { bindingCookie, readCookie } from "./provider";
import { GATEWAY_SCOPE } from "./scope";

/**
 * The sign-in and consent step of an authorization (the app's page at /oauth/interaction/<uid>):
 * what the page shows, and how the person's answer goes back to the authorization server.
 *
 * An answer counts only from the browser that started the authorization: that browser holds a
 * cookie naming it (provider.ts, bindingCookie: `__Host-` on https, so it cannot be planted from
 * a sibling subdomain or over plain http), and an answer without it (someone sending a person
 * their own authorization to approve) is refused and changes nothing.
 */

/**
 * The scopes a client may be granted for a gateway (refresh tokens come with offline_access; openid
 * only names the person to the client). Every scope the server supports is here: one asked for
 * and not granted would send the browser round again.
 */
const GRANTABLE = new Set([GATEWAY_SCOPE, "offline_access", "openid"]);

export interface PendingAuthorization {
  uid: string;
  client: {
    id: string;
    /** What the client calls itself (its metadata document or its registration). */
    name: string;
    /**
     * The host of a client ID metadata document: the client is whoever serves that https address.
     * Null for a registered client, whose name nobody vouches for.
     */
    verifiedHost: string | null;
    /** Where the browser goes back to with the answer. */
    redirectUri: string;
    /** An https logo on the metadata document's own host, when it gives one. */
    logoUri: string | null;
  };
  gateway: Gateway;
  /** The connected app already consented to for this client and gateway, if any. */
  remembered: boolean;
  /** This browser started the authorization (it holds the binding cookie naming it). */
  startedHere: boolean;
}

export type PendingResult = { ok: true; pending: PendingAuthorization } | { ok: false; refusal: Refusal };

/** Why an authorization cannot go on, as the page says it (the page is told the reason, never the words). */
export const REFUSALS = {
  expired:
    "This sign-in request has expired or was already answered. Go back to the app you were connecting and start again.",
  elsewhere:
    "This sign-in request was started in another browser. Open the app you are connecting on this device and start again from there.",
  gateway:
    "This app asked for a gateway that does not exist or that you cannot use. Ask an admin of its team for access, then start again from the app.",
  client: "The app that asked could not be identified. Start again from the app.",
} as const;
export type Refusal = keyof typeof REFUSALS;

/** One value of a parameter oidc-provider kept (a resource may come as a list). */
const single = (value: unknown): string | null => (typeof value === "string" ? value : null);

/**
 * The authorization waiting at `uid`, as the page shows it to the person whose browser sent
 * `cookieHeader`: only a gateway they may use (unknown and forbidden gateways look alike).
 */
export async function pendingAuthorization(
  provider: Provider,
  db: Database,
  uid: string,
  person: Actor,
  cookieHeader: string | null,
): Promise<PendingResult> {
  const found = await loadAuthorization(provider, db, uid, person, cookieHeader);
  return found.ok ? { ok: true, pending: found.pending } : found;
}

type Loaded =
  | {
      ok: true;
      pending: PendingAuthorization;
      interaction: InstanceType<Provider["Interaction"]>;
      /** The remembered consent's grant, if any. */
      grantId: string | null;
    }
  | { ok: false; refusal: Refusal };

/** The pending authorization, with what answering it needs (read once for the page and the answer). */
async function loadAuthorization(
  provider: Provider,
  db: Database,
  uid: string,
  person: Actor,
  cookieHeader: string | null,
): Promise<Loaded> {
  const interaction = await provider.Interaction.find(uid);
  if (!interaction || interaction.result) return { ok: false, refusal: "expired" };
  const params = interaction.params;
  const clientId = single(params.client_id);
  const resource = single(params.resource);
  const redirectUri = single(params.redirect_uri);
  if (!clientId || !resource || !redirectUri) return { ok: false, refusal: "expired" };
  // The authorization server checked the resource when the request came in. Its origin is the
  // one to read it against: a page rendered after sign-in may see another Host (Next.js renders
  // a server action's redirect with a request of its own).
  const resourceOrigin = URL.parse(resource)?.origin;
  const slug = resourceOrigin ? gatewaySlugOf(resourceOrigin, resource) : null;
  const gateway = slug === null ? undefined : await findGateway(db, slug);
  if (!gateway || !canUseGateway(await userViewer(db, person), gateway)) return { ok: false, refusal: "gateway" };
  const client = await provider.Client.find(clientId).catch(() => undefined);
  if (!client) return { ok: false, refusal: "client" };
  const fromDocument = Boolean((client as { clientIdMetadataDocument?: boolean }).clientIdMetadataDocument);
  const host = fromDocument ? new URL(clientId).host : null;
  const logo = URL.parse(client.logoUri ?? "");
  const grantId = await rememberedGrant(provider, db, person.id, clientId, gateway.id);
  return {
    ok: true,
    interaction,
    grantId,
    pending: {
      uid,
      client: {
        id: clientId,
        name: (client.clientName ?? "").trim().slice(0, 120) || (host ?? "An unnamed app"),
        verifiedHost: host,
        redirectUri,
        logoUri: host && logo?.protocol === "https:" && logo.host === host ? logo.href : null,
      },
      gateway,
      remembered: grantId !== null,
      startedHere: readCookie(cookieHeader, bindingCookie(new URL(interaction.returnTo).origin).name).includes(uid),
    },
  };
}

/** The grant of a connected app this person has for this client and gateway, still standing. */
async function rememberedGrant(
  provider: Provider,
  db: Database,
  userId: string,
  clientId: string,
  gatewayId: string,
): Promise<string | null> {
  const rows = await db
    .selectFrom("access_tokens")
    .select("oauth_grant_id")
    .where("user_id", "=", userId)
    .where("oauth_client_id", "=", clientId)
    .where("gateway_id", "=", gatewayId)
    .where("revoked_at", "is", null)
    .where("oauth_grant_id", "is not", null)
    .orderBy("created_at", "desc")
    .execute();
  for (const { oauth_grant_id: grantId } of rows) if (grantId && (await provider.Grant.find(grantId))) return grantId;
  return null;
}

/**
 * The person's answer: consent (remembered for this client and gateway until the connected app
 * is revoked) or refusal. Returns where the browser goes next (back through the authorization
 * server to the client), or why not: the request is gone, or was not this browser's.
 */
export async function answerAuthorization(
  provider: Provider,
  db: Database,
  uid: string,
  cookieHeader: string | null,
  person: Actor,
  allow: boolean,
): Promise<{ ok: true; returnTo: string } | { ok: false; refusal: Refusal }> {
  const found = await loadAuthorization(provider, db, uid, person, cookieHeader);
  if (!found.ok) return found;
  const { interaction, pending } = found;
  const { client, gateway, startedHere } = pending;
  if (!startedHere) return { ok: false, refusal: "elsewhere" };
  if (!allow) {
    interaction.result = { error: "access_denied", error_description: "The person declined to connect this app." };
  } else {
    const resource = single(interaction.params.resource) as string;
    let grantId = found.grantId;
    if (!grantId) {
      const grant = new provider.Grant({ accountId: person.id, clientId: client.id });
      const asked = String(interaction.params.scope ?? "")
        .split(" ")
        .filter((s) => GRANTABLE.has(s));
      if (asked.length) grant.addOIDCScope(asked.join(" "));
      grant.addResourceScope(resource, GATEWAY_SCOPE);
      grantId = await grant.save();
      const appId = await recordConnectedApp(db, {
        userId: person.id,
        clientId: client.id,
        clientName: client.name,
        grantId,
        gatewayId: gateway.id,
      });
      await recordEvent(db, {
        action: "app.connect",
        outcome: "ok",
        actor_user_id: person.id,
        actor_token_id: appId,
        token_kind: "user",
        gateway_id: gateway.id,
        details: { client: client.id, client_name: client.name },
      });
    }
    interaction.result = { login: { accountId: person.id, remember: false }, consent: { grantId } };
  }
  await interaction.save(Math.max(1, (interaction.exp ?? 0) - Math.floor(Date.now() / 1000)));
  return { ok: true, returnTo: interaction.returnTo };
}
