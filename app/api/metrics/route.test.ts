import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { getMetrics } from "@/lib/metrics";
import { backends, useMigratedDatabase } from "@/test/support/database";
import { GET } from "./route";

// Finding 13 of issue 11: /api/metrics on the public port named team gateways to anyone.
const ENV = Symbol.for("mcp-orchestrator.env");
const DB = Symbol.for("mcp-orchestrator.db");
const g = globalThis as Record<symbol, unknown>;
const TEAM_GATEWAY = "platform-team-private";

const scrape = (authorization?: string) =>
  GET(new Request("http://app.example/api/metrics", { headers: authorization ? { authorization } : {} }));

describe("public /api/metrics", () => {
  const database = useMigratedDatabase(backends[0] as (typeof backends)[number]);
  beforeAll(() => {
    g[DB] = database.handle;
    getMetrics().toolCalls.inc({ gateway: TEAM_GATEWAY, server: "notes", tool: "read_graph", outcome: "ok" });
  });
  afterAll(() => {
    delete g[ENV];
    delete g[DB];
  });

  it("is not there (404) when no metrics token is configured: a team gateway's name is not readable anonymously", async () => {
    g[ENV] = parseEnv({});
    const r = await scrape();
    expect(r.status).toBe(404);
    expect(await r.text()).not.toContain(TEAM_GATEWAY);
  });

  it("needs the metrics token when one is configured", async () => {
    g[ENV] = parseEnv({ ARCHESTRA_METRICS_TOKEN: "metrics-token-1" });
    for (const authorization of [undefined, "Bearer wrong", "Basic bWV0cmljcy10b2tlbi0x"]) {
      const r = await scrape(authorization);
      expect(r.status).toBe(401);
      expect(await r.text()).not.toContain(TEAM_GATEWAY);
    }
    const ok = await scrape("Bearer metrics-token-1");
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain(`gateway="${TEAM_GATEWAY}"`);
  });
});
