import type { Database } from "@/db";
import { Counter, Histogram, Registry } from "prom-client";

/**
 * Prometheus metrics, one registry per process (on globalThis: every server entry shares it).
 * Labels are names people chose (gateway, server, tool), never anything secret.
 */
interface Metrics {
  registry: Registry;
  toolCalls: Counter<"gateway" | "server" | "tool" | "outcome">;
  toolCallSeconds: Histogram<"gateway" | "server" | "tool">;
}

const KEY = Symbol.for("mcp-orchestrator.metrics");
type MetricsGlobal = typeof globalThis & { [KEY]?: Metrics };

export function getMetrics(): Metrics {
  const g = globalThis as MetricsGlobal;
  if (!g[KEY]) {
    const registry = new Registry();
    g[KEY] = {
      registry,
      toolCalls: new Counter({
        name: "mcp_gateway_tool_calls_total",
        help: "Tool calls through gateways, by outcome (ok, error, denied).",
        labelNames: ["gateway", "server", "tool", "outcome"],
        registers: [registry],
      }),
      toolCallSeconds: new Histogram({
        name: "mcp_gateway_tool_call_duration_seconds",
        help: "Duration of tool calls through gateways.",
        labelNames: ["gateway", "server", "tool"],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
        registers: [registry],
      }),
    };
  }
  return g[KEY];
}

/**
 * The scrape: the process's metrics and the instances by state (read at scrape time, so every
 * replica reports the same truth). Gateway names are in it, team gateways' too: it is served on
 * the internal listener, and on the public port only with ARCHESTRA_METRICS_TOKEN.
 */
export async function metricsResponse(db: Database): Promise<Response> {
  const { registry } = getMetrics();
  const states = await db
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
