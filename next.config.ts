import type { NextConfig } from "next";

const config: NextConfig = {
  // A self-contained server in .next/standalone, which the Docker image runs.
  output: "standalone",
  poweredByHeader: false,
  // Loaded from node_modules at run time: PGlite reads its WASM files next to its module,
  // and pino and the Kubernetes client do not survive bundling.
  serverExternalPackages: ["@electric-sql/pglite", "kysely-pglite-dialect", "pino", "pg", "@kubernetes/client-node"],
};

export default config;
