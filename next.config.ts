import type { NextConfig } from "next";

const config: NextConfig = {
  poweredByHeader: false,
  // Loaded from node_modules at run time: PGlite reads its WASM files next to its module,
  // and pino, the Kubernetes client and oidc-provider (Koa) do not survive bundling.
  serverExternalPackages: [
    "@electric-sql/pglite",
    "kysely-pglite-dialect",
    "pino",
    "pg",
    "@kubernetes/client-node",
    "prom-client",
    "oidc-provider",
  ],
};

export default config;
