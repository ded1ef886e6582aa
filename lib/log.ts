import pino, { type Logger } from "pino";

/**
 * Paths whose values are replaced before a line is written, so an object that carries a
 * secret can be logged without leaking it.
 */
const SECRET_KEYS = [
  "password",
  "passwordHash",
  "password_hash",
  "secret",
  "secrets",
  "token",
  "accessToken",
  "access_token",
  "refreshToken",
  "refresh_token",
  "clientSecret",
  "client_secret",
  "apiKey",
  "api_key",
  "authorization",
  "Authorization",
  "cookie",
  "env",
  "sealed_secret",
  "sealedSecret",
  "codeVerifier",
  "code_verifier",
];
export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  "headers.authorization",
  "headers.cookie",
  'headers["x-api-key"]',
];

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: "mcp-orchestrator" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      serializers: { err: pino.stdSerializers.err },
    },
    options.destination,
  );
}

const KEY = Symbol.for("mcp-orchestrator.logger");
type LogGlobal = typeof globalThis & { [KEY]?: Logger };

/** One logger per process, shared by every server entry (see the Next.js notes in the README). */
export function getLogger(): Logger {
  const g = globalThis as LogGlobal;
  g[KEY] ??= createLogger();
  return g[KEY];
}

export function setLogLevel(level: string): void {
  getLogger().level = level;
}
