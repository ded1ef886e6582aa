import dns from "node:dns";
import { isIP } from "node:net";
import { Agent, fetch as undiciFetch } from "undici";
import { getEnv } from "@/lib/env";
import {
  type AddressClass,
  type EgressAllow,
  type EgressPolicy,
  egressRefusal,
  hostAllowed,
  innermostClass,
  parseEgressAllow,
} from "./egress-policy";

/**
 * The one HTTP client for every URL an upstream or a document hands the app (OAuth discovery,
 * registration, token and revocation endpoints). Each request:
 *   - connects only to addresses the egress rule allows, checked on the addresses DNS returned
 *     at connect time (so a name cannot resolve one way for a check and another for the
 *     connection) and again on each redirect, which is followed here, at most MAX_REDIRECTS;
 *   - has a connect timeout and a total timeout (headers and body included);
 *   - reads at most MAX_BODY_BYTES of body; the response handed back is fully buffered.
 */
export const MAX_REDIRECTS = 5;
export const MAX_BODY_BYTES = 1024 * 1024;
const CONNECT_TIMEOUT_MS = 5_000;

/** The egress rule refused a connection; the message says what and names ARCHESTRA_EGRESS_ALLOW. */
export class EgressRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EgressRefusedError";
  }
}

/** A request that did not finish in time, or answered more than the app reads. */
export class OutboundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutboundError";
  }
}

export interface OutboundOptions {
  policy: EgressPolicy;
  /** Total time for the request, redirects and body (default ARCHESTRA_OUTBOUND_TIMEOUT_SECONDS). */
  timeoutMs?: number;
  maxBodyBytes?: number;
  /** Only the status and headers matter: the body is not read (a probe). */
  headersOnly?: boolean;
}

type LookupCallback = (err: Error | null, address: string | dns.LookupAddress[], family?: number) => void;

/** A DNS lookup that hands the socket only the addresses the policy allows. */
function guardedLookup(policy: EgressPolicy) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as dns.LookupAddress[];
      const allowed = list.filter((a) => egressRefusal(policy, hostname, a.address) === null);
      if (!allowed.length) {
        const reason = list[0] ? egressRefusal(policy, hostname, list[0].address) : `${hostname} has no address`;
        return callback(new EgressRefusedError(reason ?? `Refused to connect to ${hostname}.`), []);
      }
      if (options.all) return callback(null, allowed);
      const first = allowed[0] as dns.LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}

const KEY = Symbol.for("mcp-orchestrator.outbound-agents");
type AgentGlobal = typeof globalThis & { [KEY]?: Map<string, Agent> };

/** One connection pool per policy (four ceilings times the one allow list in practice). */
function agentFor(policy: EgressPolicy): Agent {
  const g = globalThis as AgentGlobal;
  g[KEY] ??= new Map();
  const key = `${policy.ceiling}|${JSON.stringify(policy.allow.hosts)}|${policy.allow.cidrs.map(([ip, bits]) => `${ip.toString()}/${bits}`).join(",")}`;
  let agent = g[KEY].get(key);
  if (!agent) {
    agent = new Agent({
      connect: { timeout: CONNECT_TIMEOUT_MS, lookup: guardedLookup(policy) as never },
      keepAliveTimeout: 4_000,
      connections: 16,
    });
    g[KEY].set(key, agent);
  }
  return agent;
}

/** Checks an address written in the URL itself: no DNS lookup, so no connect-time hook sees it. */
function checkLiteral(policy: EgressPolicy, url: URL) {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) {
    const refusal = egressRefusal(policy, host, host);
    if (refusal) throw new EgressRefusedError(refusal);
  }
}

function egressCause(err: unknown): EgressRefusedError | undefined {
  for (let e = err as { cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as never, i++)
    if (e instanceof EgressRefusedError) return e;
  return undefined;
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { message?: string; code?: string } }).cause;
  return cause?.message ?? (err as Error).message;
}

async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  max: number,
  url: URL,
): Promise<Uint8Array<ArrayBuffer>> {
  if (!body) return new Uint8Array();
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw new OutboundError(`${url.origin} answered more than ${Math.round(max / 1024)} KiB; the app reads no more.`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** A fetch function bound to one egress policy, for libraries that take `fetchFn`. */
export function outboundFetch(options: OutboundOptions): typeof fetch {
  const timeoutMs = options.timeoutMs ?? getEnv().ARCHESTRA_OUTBOUND_TIMEOUT_SECONDS * 1000;
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const dispatcher = agentFor(options.policy);
  return async (input, init) => {
    const request = input instanceof Request ? input : undefined;
    let url = new URL(request ? request.url : String(input));
    let method = (init?.method ?? request?.method ?? "GET").toUpperCase();
    const headers = new Headers(init?.headers ?? request?.headers);
    let body = init?.body ?? (request ? await request.arrayBuffer() : undefined);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    try {
      for (let hop = 0; ; hop++) {
        if (url.protocol !== "http:" && url.protocol !== "https:")
          throw new OutboundError(`Refused to fetch ${url.protocol} URLs; only http and https are used.`);
        checkLiteral(options.policy, url);
        const response = await undiciFetch(url, {
          method,
          headers,
          body: body as never,
          redirect: "manual",
          signal,
          dispatcher,
        });
        const location = response.headers.get("location");
        // A caller that asked for redirects unfollowed gets the redirect itself.
        const follow = (init?.redirect ?? request?.redirect) !== "manual";
        if (follow && response.status >= 300 && response.status < 400 && location) {
          await response.body?.cancel().catch(() => {});
          if (hop >= MAX_REDIRECTS)
            throw new OutboundError(`${url.origin} redirected more than ${MAX_REDIRECTS} times.`);
          const next = new URL(location, url);
          if (next.origin !== url.origin) {
            headers.delete("authorization");
            headers.delete("cookie");
          }
          if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
            method = "GET";
            body = undefined;
            headers.delete("content-type");
          }
          url = next;
          continue;
        }
        if (options.headersOnly) {
          await response.body?.cancel().catch(() => {});
          const result = new Response(null, {
            status: response.status,
            headers: response.headers as unknown as Headers,
          });
          Object.defineProperty(result, "url", { value: url.href });
          return result;
        }
        const bytes = await readCapped(response.body as ReadableStream<Uint8Array> | null, maxBody, url);
        const nullBody = [101, 204, 205, 304].includes(response.status);
        const result = new Response(nullBody ? null : (bytes as Uint8Array<ArrayBuffer>), {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers as unknown as Headers,
        });
        Object.defineProperty(result, "url", { value: url.href });
        return result;
      }
    } catch (err) {
      const refused = egressCause(err);
      if (refused) throw refused;
      if (err instanceof OutboundError) throw err;
      if (timeout.aborted)
        throw new OutboundError(`${url.origin} did not answer within ${+(timeoutMs / 1000).toFixed(1)} s.`);
      if (init?.signal?.aborted) throw err;
      throw new OutboundError(`${url.origin} could not be reached: ${causeOf(err)}.`);
    }
  };
}

/** The exceptions an admin configured (ARCHESTRA_EGRESS_ALLOW). */
export function egressExceptions(): EgressAllow {
  return parseEgressAllow(getEnv().ARCHESTRA_EGRESS_ALLOW);
}

/** How long the catalog entry's own name may take to resolve before it counts as public. */
const CEILING_LOOKUP_MS = 2000;

/**
 * The policy for URLs handed over on behalf of a catalog entry: its own URL's host decides how
 * internal they may go (looked up now; a name that does not resolve in time counts as public, and
 * so does an entry without a URL, so that an upstream never sets its own ceiling).
 */
export async function egressPolicyFor(catalogUrl: string | null, allow = egressExceptions()): Promise<EgressPolicy> {
  if (catalogUrl === null) return { ceiling: "public", allow };
  const host = new URL(catalogUrl).hostname.replace(/^\[|\]$/g, "");
  let ceiling: AddressClass = "public";
  if (isIP(host)) ceiling = innermostClass([host]);
  else if (hostAllowed(allow, host)) ceiling = "public";
  else {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<{ address: string }[]>((resolve) => {
      timer = setTimeout(() => resolve([]), CEILING_LOOKUP_MS);
    });
    const addresses = await Promise.race([dns.promises.lookup(host, { all: true }).catch(() => []), late]);
    clearTimeout(timer);
    ceiling = innermostClass(addresses.map((a) => a.address));
  }
  return { ceiling, allow };
}
