import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { defineConfig } from "@playwright/test";

const PORT = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${PORT}`;
// A fresh embedded database for every run: the specs start from first-run set-up.
const dataDir = path.resolve(".e2e-data", String(Date.now()));
fs.mkdirSync(dataDir, { recursive: true });

const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// A real OpenID Connect provider, so single sign-on is tested end to end.
const OIDC_PORT = Number(process.env.E2E_OIDC_PORT ?? 3150);
export const OIDC = {
  clientId: "mcp-orchestrator",
  clientSecret: "test-client-secret",
  issuer: `http://127.0.0.1:${OIDC_PORT}`,
};

// A bearer-protected MCP server behind a real OAuth 2.1 authorization server.
const OAUTH_AS_PORT = Number(process.env.E2E_OAUTH_AS_PORT ?? 3160);
const OAUTH_MCP_PORT = Number(process.env.E2E_OAUTH_MCP_PORT ?? 3161);
export const OAUTH_MCP_URL = `http://127.0.0.1:${OAUTH_MCP_PORT}/mcp`;
/**
 * A certificate for https on 127.0.0.1 and [::1] that the app trusts (NODE_EXTRA_CA_CERTS): tests
 * serve MCP clients' metadata documents with it, which must be https. Made once per checkout.
 */
const tlsDir = path.resolve(".e2e-data", "tls");
export const TEST_TLS = { key: path.join(tlsDir, "key.pem"), cert: path.join(tlsDir, "cert.pem") };
if (!fs.existsSync(TEST_TLS.cert)) {
  fs.mkdirSync(tlsDir, { recursive: true });
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      TEST_TLS.key,
      "-out",
      TEST_TLS.cert,
      "-days",
      "3650",
      "-subj",
      "/CN=e2e loopback",
      "-addext",
      "subjectAltName=IP:127.0.0.1,IP:::1",
    ],
    { stdio: "ignore" },
  );
}

/** Public /api/metrics answers only with this bearer token. */
export const METRICS_TOKEN = "e2e-metrics-token";

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: chromium,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: [
    {
      command: "node --import tsx test/servers/oidc-provider.ts",
      url: `${OIDC.issuer}/.well-known/openid-configuration`,
      timeout: 30_000,
      reuseExistingServer: false,
      env: {
        OIDC_PORT: String(OIDC_PORT),
        OIDC_CLIENT_ID: OIDC.clientId,
        OIDC_CLIENT_SECRET: OIDC.clientSecret,
        OIDC_REDIRECT_URIS: `${baseURL}/api/auth/callback/oidc`,
      },
    },
    {
      command: "node --import tsx test/servers/oauth-mcp-server.ts",
      url: `http://127.0.0.1:${OAUTH_AS_PORT}/.well-known/openid-configuration`,
      timeout: 30_000,
      reuseExistingServer: false,
      env: { OAUTH_AS_PORT: String(OAUTH_AS_PORT), OAUTH_MCP_PORT: String(OAUTH_MCP_PORT) },
    },
    {
      // The production server, as `npm start` runs it (the test script builds first).
      command: `node scripts/server.mjs --port ${PORT} --hostname 127.0.0.1`,
      url: `${baseURL}/api/ready`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
      env: {
        ARCHESTRA_DATA_DIR: dataDir,
        ARCHESTRA_LOG_LEVEL: "warn",
        DATABASE_URL: "",
        ARCHESTRA_OIDC_ISSUER: OIDC.issuer,
        ARCHESTRA_OIDC_CLIENT_ID: OIDC.clientId,
        ARCHESTRA_OIDC_CLIENT_SECRET: OIDC.clientSecret,
        ARCHESTRA_OIDC_NAME: "Test SSO",
        ARCHESTRA_METRICS_TOKEN: METRICS_TOKEN,
        // Clients' metadata documents served by the tests, on loopback, over the test's https.
        ARCHESTRA_OAUTH_CLIENT_METADATA_ALLOW: "127.0.0.1",
        NODE_EXTRA_CA_CERTS: TEST_TLS.cert,
      },
    },
  ],
  metadata: { dataDir },
});
