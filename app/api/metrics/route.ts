import { getDb } from "@/db";
import { sameSecret } from "@/lib/crypto";
import { getEnv } from "@/lib/env";
import { metricsResponse } from "@/lib/metrics";
import { bearerToken } from "@/lib/tokens/token-format";

export const dynamic = "force-dynamic";

// GET /api/metrics - Prometheus metrics on the public port: only with bearer ARCHESTRA_METRICS_TOKEN, and
// not there at all (404) when it is unset; the internal listener (ARCHESTRA_INTERNAL_PORT) serves them without.
export async function GET(request: Request) {
  const required = getEnv().ARCHESTRA_METRICS_TOKEN;
  if (!required) return new Response("not found\n", { status: 404 });
  if (!sameSecret(bearerToken(request.headers.get("authorization")) ?? "", required)) {
    return new Response("unauthorized\n", { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="metrics"' } });
  }
  return metricsResponse(getDb());
}
