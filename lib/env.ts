import path from "node:path";
import { z } from "zod";
import { parseEgressAllow } from "./http/egress-policy";
import proxyaddr from "proxy-addr";

/**
 * The whole configuration, parsed once. Nothing else in the app reads process.env:
 * a bad value fails the start with a message naming the variable.
 */
const optional = z
  .string()
  .transform((v) => v.trim())
  .pipe(z.string())
  .optional()
  .transform((v) => (v ? v : undefined));

/** A list of egress exceptions (CIDRs, addresses and host names), as lib/http/egress-policy.ts reads it. */
const egressAllow = optional.superRefine((v, ctx) => {
  try {
    parseEgressAllow(v);
  } catch (err) {
    ctx.addIssue({
      code: "custom",
      message: `expected CIDRs and host names, comma-separated: ${(err as Error).message}`,
    });
  }
});

const bool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", ""], { message: 'expected "true" or "false"' })
    .optional()
    .transform((v) => (v === undefined || v === "" ? fallback : v === "true" || v === "1"));

const seconds = (fallback: number, min: number, max: number) =>
  z.coerce
    .number({ message: `expected a number of seconds from ${min} to ${max}` })
    .int({ message: "expected a whole number of seconds" })
    .min(min, { message: `expected a number of seconds from ${min} to ${max}` })
    .max(max, { message: `expected a number of seconds from ${min} to ${max}` })
    .default(fallback);

/**
 * Runs command-based servers on Kubernetes. The official Node.js image runs every `npx` server;
 * for `uvx` servers build deploy/mcp-server-base (Node.js + Python + uv) and point
 * ARCHESTRA_ORCHESTRATOR_MCP_SERVER_BASE_IMAGE at it.
 */
export const DEFAULT_BASE_IMAGE = "node:22-bookworm-slim";

/** What proxy-addr (which scripts/request-entry.mjs uses to match peers) accepts. */
function isProxyList(value: string): boolean {
  const entries = value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
  try {
    proxyaddr.compile(entries);
    return entries.length > 0;
  } catch {
    return false;
  }
}

const url = (what: string) => optional.pipe(z.url({ message: `expected ${what}` }).optional());

const schema = z
  .object({
    PORT: z.coerce
      .number({ message: "expected a port number" })
      .int({ message: "expected a whole number" })
      .min(1, { message: "expected a port number from 1 to 65535" })
      .max(65535, { message: "expected a port number from 1 to 65535" })
      .default(3000),
    NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
    DATABASE_URL: url("a PostgreSQL URL such as postgres://user:password@host:5432/db").refine(
      (v) => v === undefined || /^postgres(ql)?:/.test(v),
      { message: "expected a URL starting with postgres:// or postgresql://" },
    ),
    ARCHESTRA_DATA_DIR: z.string().trim().min(1).default("./data"),
    ARCHESTRA_ENCRYPTION_KEYS: optional,
    ARCHESTRA_AUTH_SECRET: optional.pipe(
      z.string().min(32, { message: "expected at least 32 characters (openssl rand -base64 32)" }).optional(),
    ),
    ARCHESTRA_PUBLIC_URL: url("an absolute URL such as https://mcp.example.com"),
    ARCHESTRA_ADMIN_EMAIL: optional.pipe(z.email({ message: "expected an email address" }).optional()),
    ARCHESTRA_ADMIN_PASSWORD: optional.pipe(
      z.string().min(8, { message: "expected at least 8 characters" }).optional(),
    ),
    ARCHESTRA_OIDC_ISSUER: url("the issuer URL of an OpenID Connect provider"),
    ARCHESTRA_OIDC_CLIENT_ID: optional,
    ARCHESTRA_OIDC_CLIENT_SECRET: optional,
    ARCHESTRA_OIDC_NAME: z.string().trim().min(1).default("Single sign-on"),
    ARCHESTRA_LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
        message: "expected one of fatal, error, warn, info, debug, trace, silent",
      })
      .default("info"),
    ARCHESTRA_SECURE_COOKIES: bool(false),
    ARCHESTRA_SEED_CATALOG: bool(true),
    ARCHESTRA_ORCHESTRATOR_KUBECONFIG: optional,
    ARCHESTRA_ORCHESTRATOR_LOAD_KUBECONFIG_FROM_CURRENT_CLUSTER: bool(false),
    ARCHESTRA_ORCHESTRATOR_K8S_NAMESPACE: z
      .string()
      .trim()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
        message: "expected a Kubernetes namespace name (lower-case DNS label)",
      })
      .max(63, { message: "expected at most 63 characters" })
      .default("default"),
    ARCHESTRA_ORCHESTRATOR_MCP_SERVER_BASE_IMAGE: z.string().trim().min(1).default(DEFAULT_BASE_IMAGE),
    ARCHESTRA_ORCHESTRATOR_START_TIMEOUT_SECONDS: seconds(30, 1, 600),
    ARCHESTRA_ORCHESTRATOR_RECONCILE_INTERVAL_SECONDS: seconds(10, 1, 3600),
    ARCHESTRA_GATEWAY_CALL_TIMEOUT_SECONDS: seconds(55, 1, 3600),
    ARCHESTRA_GATEWAY_ALLOWED_ORIGINS: optional,
    ARCHESTRA_METRICS_TOKEN: optional,
    ARCHESTRA_REPLICA_URL: url(
      "this replica's internal listener, reachable by the other replicas (http://<pod IP>:<ARCHESTRA_INTERNAL_PORT>)",
    ),
    ARCHESTRA_INTERNAL_PORT: optional.pipe(
      z.coerce
        .number<string | undefined>({ message: "expected a port number" })
        .int({ message: "expected a whole number" })
        .min(1, { message: "expected a port number from 1 to 65535" })
        .max(65535, { message: "expected a port number from 1 to 65535" })
        .optional(),
    ),
    ARCHESTRA_GATEWAY_MAX_UPSTREAM_MESSAGE_MB: z.coerce
      .number({ message: "expected a number of megabytes from 1 to 1024" })
      .int({ message: "expected a whole number of megabytes" })
      .min(1, { message: "expected a number of megabytes from 1 to 1024" })
      .max(1024, { message: "expected a number of megabytes from 1 to 1024" })
      .default(16),
    ARCHESTRA_GATEWAY_MAX_STREAMS_PER_TOKEN: z.coerce
      .number({ message: "expected a number of event streams from 1 to 10000" })
      .int({ message: "expected a whole number" })
      .min(1, { message: "expected a number of event streams from 1 to 10000" })
      .max(10000, { message: "expected a number of event streams from 1 to 10000" })
      .default(10),
    ARCHESTRA_ORCHESTRATOR_SANDBOX: z
      .enum(["auto", "bubblewrap", "user", "off", ""], { message: "expected auto, bubblewrap, user or off" })
      .optional()
      .transform((v) => (v ? v : "auto")),
    // Days audit events are kept; 0 keeps them forever. Empty means the default, not 0.
    ARCHESTRA_AUDIT_RETENTION_DAYS: z.preprocess(
      (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
      z.coerce
        .number({ message: "expected a number of days from 0 (keep forever) to 3650" })
        .int({ message: "expected a whole number of days" })
        .min(0, { message: "expected a number of days from 0 (keep forever) to 3650" })
        .max(3650, { message: "expected a number of days from 0 (keep forever) to 3650" })
        .default(90),
    ),
    ARCHESTRA_EGRESS_ALLOW: egressAllow,
    /**
     * Private addresses the app may fetch an MCP client's metadata document from (an internal
     * agent's https://agent.corp/client.json); only public ones otherwise. Same form as
     * ARCHESTRA_EGRESS_ALLOW, kept apart: anyone may name a metadata document.
     */
    ARCHESTRA_OAUTH_CLIENT_METADATA_ALLOW: egressAllow,
    ARCHESTRA_OUTBOUND_TIMEOUT_SECONDS: seconds(10, 1, 300),
    /**
     * Addresses of the reverse proxies in front of the app (comma-separated IPs or CIDRs, or
     * `loopback`, `linklocal`, `uniquelocal`): only their X-Forwarded-* headers are believed.
     */
    ARCHESTRA_TRUSTED_PROXIES: optional.pipe(
      z
        .string()
        .refine(isProxyList, {
          message: "expected comma-separated IP addresses or CIDRs (or loopback, linklocal, uniquelocal)",
        })
        .optional(),
    ),
    /** Link a single sign-on login to an existing account by email even without `email_verified: true`. */
    ARCHESTRA_OIDC_TRUST_EMAIL: bool(false),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.ARCHESTRA_ADMIN_EMAIL) !== Boolean(env.ARCHESTRA_ADMIN_PASSWORD)) {
      ctx.addIssue({
        code: "custom",
        path: [env.ARCHESTRA_ADMIN_EMAIL ? "ARCHESTRA_ADMIN_PASSWORD" : "ARCHESTRA_ADMIN_EMAIL"],
        message: "set both ARCHESTRA_ADMIN_EMAIL and ARCHESTRA_ADMIN_PASSWORD, or neither",
      });
    }
    const oidc = [env.ARCHESTRA_OIDC_ISSUER, env.ARCHESTRA_OIDC_CLIENT_ID, env.ARCHESTRA_OIDC_CLIENT_SECRET];
    if (oidc.some(Boolean) && !oidc.every(Boolean)) {
      const missing = ["ARCHESTRA_OIDC_ISSUER", "ARCHESTRA_OIDC_CLIENT_ID", "ARCHESTRA_OIDC_CLIENT_SECRET"].filter(
        (_, i) => !oidc[i],
      );
      ctx.addIssue({
        code: "custom",
        path: [missing[0] ?? "ARCHESTRA_OIDC_ISSUER"],
        message: `OpenID Connect sign-in needs ${missing.join(" and ")} as well`,
      });
    }
    // Replicas call each other on the internal listener only, never on the public port.
    if (env.ARCHESTRA_REPLICA_URL && !env.ARCHESTRA_INTERNAL_PORT) {
      ctx.addIssue({
        code: "custom",
        path: ["ARCHESTRA_INTERNAL_PORT"],
        message:
          "required when ARCHESTRA_REPLICA_URL is set: replicas reach each other on this internal port, which ARCHESTRA_REPLICA_URL must name",
      });
    }
    if (env.ARCHESTRA_INTERNAL_PORT !== undefined && env.ARCHESTRA_INTERNAL_PORT === env.PORT) {
      ctx.addIssue({
        code: "custom",
        path: ["ARCHESTRA_INTERNAL_PORT"],
        message: "expected a port other than PORT: the internal listener must not be the public one",
      });
    }
    // Several replicas share one PostgreSQL: keys they generate on their own would not match.
    if (env.DATABASE_URL) {
      for (const name of ["ARCHESTRA_ENCRYPTION_KEYS", "ARCHESTRA_AUTH_SECRET"] as const) {
        if (!env[name]) {
          ctx.addIssue({
            code: "custom",
            path: [name],
            message:
              "required when DATABASE_URL is set, so every replica uses the same value (generate one with: openssl rand -base64 32)",
          });
        }
      }
    }
  });

export type Env = z.infer<typeof schema> & { dataDir: string; embedded: boolean };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Pure: parse an environment-like record. Throws ConfigError listing every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = schema.safeParse(source);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? "configuration");
        const raw = source[name];
        const secret = /SECRET|PASSWORD|KEYS|DATABASE_URL/.test(name);
        const got = raw === undefined || secret ? "" : ` (got ${JSON.stringify(raw)})`;
        return `${name}: ${issue.message}${got}`;
      }),
    );
  }
  const env = result.data;
  return { ...env, dataDir: path.resolve(env.ARCHESTRA_DATA_DIR), embedded: !env.DATABASE_URL };
}

const KEY = Symbol.for("mcp-orchestrator.env");
type EnvGlobal = typeof globalThis & { [KEY]?: Env };

/** The process's configuration, parsed on first use. */
export function getEnv(): Env {
  const g = globalThis as EnvGlobal;
  g[KEY] ??= parseEnv(process.env);
  return g[KEY];
}
