import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Check, compareRuns, formatReport, readResults, type ScenarioResult, totals } from "./results";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** An output directory laid out as the suite writes it. */
function outputDir(scenarios: Record<string, Check[] | null>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "conformance-results-"));
  dirs.push(dir);
  for (const [scenario, checks] of Object.entries(scenarios)) {
    const folder = path.join(dir, `server-${scenario}-2026-12-04T19-19-18-932Z`);
    fs.mkdirSync(folder);
    if (checks) fs.writeFileSync(path.join(folder, "checks.json"), JSON.stringify(checks));
  }
  return dir;
}

const ok = (id: string): Check => ({ id, status: "SUCCESS" });
const bad = (id: string, errorMessage = "broken"): Check => ({ id, status: "FAILURE", errorMessage });
const run = (checks: Record<string, Check[]>): ScenarioResult[] =>
  Object.entries(checks).map(([scenario, c]) => ({ scenario, checks: c }));

describe("readResults", () => {
  it("reads each scenario's checks, named from its folder, and skips anything else", () => {
    const dir = outputDir({
      "tools-call-simple-text": [ok("tools-call-simple-text"), { id: "server-info", status: "INFO" }],
      "dns-rebinding-protection": [ok("localhost-host-valid-accepted"), bad("localhost-host-rebinding-rejected")],
    });
    fs.writeFileSync(path.join(dir, "notes.txt"), "not a scenario");
    fs.mkdirSync(path.join(dir, "unrelated"));
    const results = readResults(dir);
    expect(results.map((r) => r.scenario)).toEqual(["dns-rebinding-protection", "tools-call-simple-text"]);
    expect(results[0]?.checks.map((c) => c.status)).toEqual(["SUCCESS", "FAILURE"]);
  });

  it("counts a scenario that wrote no checks as one failed check, as the suite does", () => {
    const results = readResults(outputDir({ "resources-subscribe": null }));
    expect(results).toEqual([
      {
        scenario: "resources-subscribe",
        checks: [expect.objectContaining({ id: "resources-subscribe", status: "FAILURE" })],
      },
    ]);
  });

  it("counts unreadable checks as a failure instead of dropping them", () => {
    const dir = outputDir({ ping: [] });
    const folder = fs.readdirSync(dir)[0] as string;
    fs.writeFileSync(path.join(dir, folder, "checks.json"), '[{"status":"SUCCESS"}]');
    expect(totals(readResults(dir))).toEqual({ passed: 0, failed: 1 });
  });
});

describe("totals", () => {
  it("counts SUCCESS and FAILURE only, optionally for some scenarios", () => {
    const results = run({
      a: [ok("1"), ok("2"), bad("3"), { id: "4", status: "WARNING" }, { id: "5", status: "INFO" }],
      b: [bad("1")],
    });
    expect(totals(results)).toEqual({ passed: 2, failed: 2 });
    expect(totals(results, (s) => s === "b")).toEqual({ passed: 0, failed: 1 });
  });
});

describe("compareRuns", () => {
  it("finds checks that pass alone but fail through the gateway, with the gateway's reason", () => {
    const { regressions, gains, weaker } = compareRuns(
      run({ read: [ok("resources-read-text"), ok("same")] }),
      run({ read: [bad("resources-read-text", "Unknown resource: test://static-text"), ok("same")] }),
    );
    expect(regressions).toEqual([
      {
        scenario: "read",
        id: "resources-read-text",
        reference: "pass",
        gateway: "fail",
        message: "FAILURE: Unknown resource: test://static-text",
      },
    ]);
    expect(gains).toEqual([]);
    expect(weaker).toEqual([]);
  });

  it("counts a passing check that the gateway run never reported as a regression", () => {
    const { regressions } = compareRuns(run({ multi: [ok("r1"), ok("r2")] }), run({ multi: [bad("r1")] }));
    expect(regressions.map((r) => [r.id, r.gateway])).toEqual([
      ["r1", "fail"],
      ["r2", "none"],
    ]);
  });

  it("keeps checks matched by scenario: the same check id in another scenario is another check", () => {
    const { regressions } = compareRuns(run({ a: [ok("wire-schema-valid")] }), run({ b: [ok("wire-schema-valid")] }));
    expect(regressions.map((r) => `${r.scenario}:${r.id}`)).toEqual(["a:wire-schema-valid"]);
  });

  it("takes the worst report of a check reported more than once", () => {
    const { regressions } = compareRuns(run({ s: [ok("x")] }), run({ s: [ok("x"), bad("x"), ok("x")] }));
    expect(regressions.map((r) => r.id)).toEqual(["x"]);
  });

  it("lists a warning or a note through the gateway apart from the failures", () => {
    const { regressions, weaker } = compareRuns(
      run({ sse: [ok("priming"), ok("streams")] }),
      run({
        sse: [
          { id: "priming", status: "WARNING", errorMessage: "no priming event" },
          { id: "streams", status: "INFO", details: { message: "JSON for all requests" } } as Check,
        ],
      }),
    );
    expect(regressions).toEqual([]);
    expect(weaker.map((w) => w.message)).toEqual(["WARNING: no priming event", "INFO: JSON for all requests"]);
  });

  it("lists what the gateway passes and the reference fails as a gain, not a regression", () => {
    const { regressions, gains } = compareRuns(
      run({ t: [bad("result-type", "no resultType")] }),
      run({ t: [ok("result-type")] }),
    );
    expect(regressions).toEqual([]);
    expect(gains).toEqual([
      { scenario: "t", id: "result-type", reference: "fail", gateway: "pass", message: "FAILURE: no resultType" },
    ]);
  });
});

describe("formatReport", () => {
  it("counts the regressions of gated revisions only, and still lists the others", () => {
    const report = (revision: string) => ({
      revision,
      reference: run({ read: [ok("read")] }),
      gateway: run({ read: [bad("read", "Unknown resource")] }),
      scored: new Set(["read"]),
    });
    const both = [report("2025-11-25"), report("2026-07-28")];
    expect(formatReport(both).regressions).toBe(2);
    const gated = formatReport(both, (r) => r === "2025-11-25");
    expect(gated.regressions).toBe(1);
    expect(gated.text).toContain("  2026-07-28 (1):");
  });

  it("prints totals per revision, then the regressions by scenario, and counts them", () => {
    const { text, regressions } = formatReport([
      {
        revision: "2025-11-25",
        reference: run({ ping: [ok("ping")], read: [ok("read")], extra: [ok("e")] }),
        gateway: run({ ping: [ok("ping")], read: [bad("read", "Unknown resource")], extra: [bad("e")] }),
        scored: new Set(["ping", "read"]),
      },
      {
        revision: "2026-07-28",
        reference: run({ t: [bad("result-type")] }),
        gateway: run({ t: [ok("result-type")] }),
        scored: new Set(["t"]),
      },
    ]);
    // The unscored scenario's regression is listed, but only the scored one fails the run.
    expect(regressions).toBe(1);
    const lines = text.split("\n");
    expect(lines[0]).toMatch(
      /^revision\s+reference alone\s+through the gateway\s+scored: reference\s+scored: gateway$/,
    );
    expect(lines[1]).toMatch(
      /^2025-11-25\s+3 passed \/ 0 failed\s+1 passed \/ 2 failed\s+2 passed \/ 0 failed\s+1 passed \/ 1 failed$/,
    );
    expect(lines[2]).toMatch(/^2026-07-28\s+0 passed \/ 1 failed\s+1 passed \/ 0 failed/);
    expect(text).toContain(
      [
        "Pass against the reference server, fail through the gateway:",
        "  2025-11-25 (2):",
        "    extra (not scored)",
        "      e: FAILURE: broken",
        "    read",
        "      read: FAILURE: Unknown resource",
      ].join("\n"),
    );
    expect(text).toContain(
      [
        "Pass through the gateway, fail against the reference server (informational):",
        "  2026-07-28 (1):",
        "    t",
        "      result-type: FAILURE: broken",
      ].join("\n"),
    );
  });

  it("lists nothing and counts no regression when the gateway passes what the reference passes", () => {
    const same = run({ ping: [ok("ping")] });
    const { text, regressions } = formatReport([
      { revision: "2025-11-25", reference: same, gateway: same, scored: new Set() },
    ]);
    expect(regressions).toBe(0);
    expect(text.split("\n")).toHaveLength(2);
  });
});
