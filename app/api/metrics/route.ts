import { getDb } from "@/db";
import { sameSecret } from "@/lib/crypto";
import { getEnv } from "@/lib/env";
import { getMetrics } from "@/lib/metrics";
import { bearerToken } from "@/lib/tokens/token-format";

export const dynamic = "force-dynamic";

// GET /api/metrics - Prometheus metrics (bearer ARCHESTRA_METRICS_TOKEN when it is set)
export async function GET(request: Request) {
  const required = getEnv().ARCHESTRA_METRICS_TOKEN;
  if (required && !sameSecret(bearerToken(request.headers.get("authorization")) ?? "", required)) {
    return new Response("unauthorized\n", { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="metrics"' } });
  }
  const { registry } = getMetrics();
  // Instance states are read at scrape time, so every replica reports the same truth.
  const states = await getDb()
    .selectFrom("runtime_instances")
    .select(["status", "runtime", (eb) => eb.fn.countAll<string>().as("n")])
    .groupBy(["status", "runtime"])
    .execute();
  const lines = [
    "# HELP mcp_instances Server instances by status and runtime.",
    "# TYPE mcp_instances gauge",
    ...states.map((s) => `mcp_instances{status="${s.status}",runtime="${s.runtime}"} ${Number(s.n)}`),
  ];
  return new Response(`${await registry.metrics()}\n${lines.join("\n")}\n`, {
    headers: { "Content-Type": registry.contentType },
  });
}
