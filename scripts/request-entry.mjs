// What every request goes through first, before the gateway front or Next.js sees it
// (scripts/server.mjs). Plain JavaScript: the app server runs it without a build step.
import proxyaddr from "proxy-addr";

/** Headers that only a reverse proxy may set; from anyone else they are removed. */
const FORWARDED = [
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-forwarded-port",
  "x-real-ip",
];
const FORWARDED_NAMES = new Set(FORWARDED);

function carriesForwarded(rawHeaders) {
  for (let i = 0; i < rawHeaders.length; i += 2) if (FORWARDED_NAMES.has(rawHeaders[i].toLowerCase())) return true;
  return false;
}

/** Sent by the proxy (of which the nearest one's is last): kept, but only its last value. */
const PROXY_SET = ["x-forwarded-host", "x-forwarded-proto", "x-forwarded-port"];

// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters refused.
const CONTROL = /[\u0000-\u001f\u007f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters refused.
const LINE_OR_NUL = /[\u0000\r\n]/;

/**
 * Parses ARCHESTRA_TRUSTED_PROXIES (comma-separated IPs or CIDRs, or proxy-addr's names
 * `loopback`, `linklocal`, `uniquelocal`). Throws with the variable's name when it is not valid.
 * @param {string | undefined} value
 * @returns {(address: string, hop: number) => boolean}
 */
export function parseTrustedProxies(value) {
  const entries = (value ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
  if (entries.length === 0) return () => false;
  try {
    return proxyaddr.compile(entries);
  } catch (err) {
    throw new Error(`ARCHESTRA_TRUSTED_PROXIES: ${err.message} (got ${JSON.stringify(value)})`);
  }
}

function decodes(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/**
 * Why a request target is refused, or null. Control characters in the path, and NUL, CR or LF
 * anywhere in the query, name nothing the app serves; deeper down they would end in a database
 * error or a header that cannot be sent (a 500), so they get a 400 here. Broken percent-encoding
 * is left to the layers that decode (they answer it themselves).
 * @param {string} url
 */
export function badTarget(url) {
  const at = url.indexOf("?");
  const pathname = at < 0 ? url : url.slice(0, at);
  const query = at < 0 ? "" : url.slice(at + 1);
  const path = decodes(pathname);
  if (CONTROL.test(pathname) || (path !== null && CONTROL.test(path))) {
    return "The request path holds a control character.";
  }
  const params = decodes(query.replaceAll("+", " "));
  if (LINE_OR_NUL.test(query) || (params !== null && LINE_OR_NUL.test(params))) {
    return "A request parameter holds a line break or a NUL character.";
  }
  return null;
}

/**
 * Makes the forwarded headers say only what can be believed. From a peer that is not a trusted
 * proxy, every forwarded header is dropped. From a trusted one, X-Forwarded-Host, -Proto and -Port
 * keep the last value (the one the nearest proxy set). Either way X-Forwarded-For becomes the one
 * client address found by walking back through trusted proxies (proxy-addr), so the sign-in
 * throttle and logs see the real peer, never a value a client chose.
 * @param {import("node:http").IncomingMessage} req
 * @param {(address: string, hop: number) => boolean} trust
 */
export function settleForwardedHeaders(req, trust) {
  const peer = req.socket.remoteAddress ?? "";
  // Most requests carry none of these: then the client is the peer, and nothing is removed.
  if (!carriesForwarded(req.rawHeaders)) {
    if (peer) {
      req.headers["x-forwarded-for"] = peer;
      req.rawHeaders.push("x-forwarded-for", peer);
    }
    return;
  }
  const client = proxyaddr(req, trust);
  const fromProxy = peer !== "" && trust(peer, 0);
  for (const name of FORWARDED) {
    if (fromProxy && PROXY_SET.includes(name)) {
      const value = req.headers[name];
      const last = (Array.isArray(value) ? value.join(",") : (value ?? "")).split(",").at(-1)?.trim();
      if (last) req.headers[name] = last;
      else delete req.headers[name];
    } else {
      delete req.headers[name];
    }
  }
  if (client) req.headers["x-forwarded-for"] = client;
  // Kept for the raw header list too: Next.js copies headers from rawHeaders in places.
  const raw = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    if (!FORWARDED.includes(name)) raw.push(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  for (const name of FORWARDED) {
    const value = req.headers[name];
    if (typeof value === "string") raw.push(name, value);
  }
  req.rawHeaders.splice(0, req.rawHeaders.length, ...raw);
}

/**
 * The headers every answer carries, pages, API and gateway alike. An API answer may not be
 * framed, sniffed into another type or run anything; pages replace the Content-Security-Policy
 * with their own, which allows their scripts by nonce (proxy.ts). HSTS only when the app is
 * served over HTTPS (ARCHESTRA_SECURE_COOKIES, or an https ARCHESTRA_PUBLIC_URL), or a plain-HTTP
 * install would lock itself out.
 * @param {{ secureCookies?: string, publicUrl?: string }} options
 * @returns {[string, string][]}
 */
export function securityHeaders(options) {
  const headers = [
    ["Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"],
    ["X-Content-Type-Options", "nosniff"],
    ["X-Frame-Options", "DENY"],
    ["Referrer-Policy", "no-referrer"],
  ];
  const https = /^https:\/\//i.test(options.publicUrl?.trim() ?? "");
  if (options.secureCookies === "true" || options.secureCookies === "1" || https) {
    headers.push(["Strict-Transport-Security", "max-age=31536000"]);
  }
  return headers;
}

/**
 * The entry check for scripts/server.mjs: settles forwarded headers, sets the security headers
 * and refuses a bad target. Returns false when it has answered the request itself.
 * @param {{ trustedProxies?: string, secureCookies?: string, publicUrl?: string }} options
 * @returns {(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => boolean}
 */
export function requestEntry(options) {
  const trust = parseTrustedProxies(options.trustedProxies);
  const headers = securityHeaders(options);
  return (req, res) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    settleForwardedHeaders(req, trust);
    const problem = badTarget(req.url ?? "/");
    if (problem === null) return true;
    res.writeHead(400, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "bad_request", message: problem } }));
    return false;
  };
}
