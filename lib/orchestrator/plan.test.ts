import { describe, expect, it } from "vitest";
import { buildInstanceSpec } from "./build-spec";
import { planReconcile } from "./plan";
import type { ObservedInstance } from "./types";

const item = {
  id: "item-1",
  slug: "github",
  command: "npx",
  args: ["-y", "@modelcontextprotocol/server-github"],
  image: null,
  image_pull_secret: null,
  transport: "stdio" as const,
  http_port: null,
  http_path: null,
  env_schema: [
    { name: "GITHUB_TOKEN", secret: true, required: true, prompt: true },
    { name: "GITHUB_HOST", secret: false, required: false, prompt: true, default: "github.com" },
    { name: "LOG_LEVEL", secret: false, required: false, prompt: false, default: "info" },
  ],
};

const spec = (credentialId: string, token: string) =>
  buildInstanceSpec({
    instanceId: `i-${credentialId}`,
    item,
    credentialId,
    secret: { env: { GITHUB_TOKEN: token, EXTRA: "dropped" } },
  });

const observe = (name: string, specHash: string | null): ObservedInstance => ({
  instanceId: "x",
  name,
  specHash,
  status: "running",
  reason: null,
  lastExitCode: null,
  restartCount: 0,
  startedAt: null,
});

describe("building an instance spec", () => {
  it("puts secret values apart, applies defaults, drops unknown variables", () => {
    const s = spec("c1", "ghp_1");
    expect(s.secretEnv).toEqual({ GITHUB_TOKEN: "ghp_1" });
    expect(s.env).toEqual({ GITHUB_HOST: "github.com", LOG_LEVEL: "info" });
    expect(s.name).toMatch(/^mcp-github-[0-9a-f]{10}$/);
  });

  it("changes its hash when a secret changes, and only then", () => {
    expect(spec("c1", "ghp_1").specHash).toBe(spec("c1", "ghp_1").specHash);
    expect(spec("c1", "ghp_2").specHash).not.toBe(spec("c1", "ghp_1").specHash);
  });
});

describe("reconcile plan", () => {
  it("creates missing, replaces changed, keeps current, removes orphans", () => {
    const a = spec("a", "1");
    const b = spec("b", "1");
    const c = spec("c", "1");
    const plan = planReconcile(
      [a, b, c],
      [observe(a.name, a.specHash), observe(b.name, "old-hash"), observe("mcp-orphan-0000000000", "h")],
    );
    expect(plan.ensure.map((s) => s.name).sort()).toEqual([b.name, c.name].sort());
    expect(plan.remove).toEqual(["mcp-orphan-0000000000"]);
  });

  it("with nothing desired, removes everything; with nothing running, creates everything", () => {
    const a = spec("a", "1");
    expect(planReconcile([], [observe(a.name, a.specHash)])).toEqual({ ensure: [], remove: [a.name] });
    expect(planReconcile([a], [])).toEqual({ ensure: [a], remove: [] });
  });
});
