/**
 * The conformance suite's results, read from what it writes with `--output-dir`: one folder per
 * scenario (`server-<scenario>-<timestamp>`) holding `checks.json`, the scenario's checks with a
 * status each. Pure functions over them: totals, and the comparison of two runs of one revision
 * (the reference server alone, and the gateway in front of it).
 */
import fs from "node:fs";
import path from "node:path";

/** One check as the suite writes it; only the fields used here. */
export interface Check {
  id: string;
  name?: string;
  description?: string;
  /** SUCCESS and FAILURE count; INFO, WARNING and SKIPPED do not. */
  status: string;
  errorMessage?: string;
}

export interface ScenarioResult {
  scenario: string;
  checks: Check[];
}

/** The suite's own timestamp suffix (an ISO time with ':' and '.' made '-'). */
const SCENARIO_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/;

/**
 * Reads every scenario's checks from an output directory. The suite makes a scenario's folder
 * before it runs it and writes checks.json after; a folder without one is a scenario that threw,
 * which the suite counts as one failed check named after the scenario, and so does this.
 */
export function readResults(outputDir: string): ScenarioResult[] {
  const results: ScenarioResult[] = [];
  for (const entry of fs.readdirSync(outputDir, { withFileTypes: true })) {
    const scenario = entry.isDirectory() ? SCENARIO_DIR.exec(entry.name)?.[1] : undefined;
    if (!scenario) continue;
    const file = path.join(outputDir, entry.name, "checks.json");
    let checks: Check[];
    try {
      checks = parseChecks(JSON.parse(fs.readFileSync(file, "utf8")));
    } catch (err) {
      const reason = fs.existsSync(file) ? `its checks.json is not valid: ${(err as Error).message}` : "it wrote none";
      checks = [{ id: scenario, name: scenario, status: "FAILURE", errorMessage: `No results: ${reason}` }];
    }
    results.push({ scenario, checks });
  }
  return results.sort((a, b) => (a.scenario < b.scenario ? -1 : a.scenario > b.scenario ? 1 : 0));
}

function parseChecks(json: unknown): Check[] {
  if (!Array.isArray(json)) throw new Error("expected an array of checks");
  return json.map((c, i) => {
    const check = c as Partial<Check> | null;
    if (typeof check?.id !== "string" || typeof check.status !== "string") {
      throw new Error(`check ${i} has no id or status`);
    }
    return check as Check;
  });
}

export interface Totals {
  passed: number;
  failed: number;
}

/** Passed and failed checks, counted as the suite's own summary counts them (each check once). */
export function totals(results: ScenarioResult[], only?: (scenario: string) => boolean): Totals {
  const t = { passed: 0, failed: 0 };
  for (const r of results) {
    if (only && !only(r.scenario)) continue;
    for (const c of r.checks) {
      if (c.status === "SUCCESS") t.passed++;
      else if (c.status === "FAILURE") t.failed++;
    }
  }
  return t;
}

/**
 * A check's outcome in one run. "other": reported only as INFO, WARNING or SKIPPED (the suite
 * counts those neither passed nor failed); "none": not reported at all. A check the suite reports
 * more than once takes its worst report: fail, then other, then pass.
 */
export type Outcome = "pass" | "fail" | "other" | "none";

export interface CheckComparison {
  scenario: string;
  id: string;
  reference: Outcome;
  gateway: Outcome;
  /** Why the side that did not pass did not: the suite's status and message. */
  message?: string;
}

export interface Comparison {
  /** Passed against the reference server; failed through the gateway, or not reported there. */
  regressions: CheckComparison[];
  /** Passed against the reference server; only a warning or a note through the gateway. */
  weaker: CheckComparison[];
  /** Passed through the gateway; failed against the reference server alone. */
  gains: CheckComparison[];
}

interface Summary {
  outcome: Outcome;
  message?: string;
}

const RANK: Record<Outcome, number> = { none: 0, pass: 1, other: 2, fail: 3 };

function statusOf(c: Check): string {
  const detail = c.errorMessage ?? (c as { details?: { message?: unknown } }).details?.message;
  return typeof detail === "string" && detail ? `${c.status}: ${detail}` : c.status;
}

function summarize(results: ScenarioResult[]): Map<string, Summary> {
  const byCheck = new Map<string, Summary>();
  for (const r of results) {
    for (const c of r.checks) {
      const key = `${r.scenario}\0${c.id}`;
      const outcome: Outcome = c.status === "SUCCESS" ? "pass" : c.status === "FAILURE" ? "fail" : "other";
      const seen = byCheck.get(key);
      if (!seen || RANK[outcome] > RANK[seen.outcome]) {
        byCheck.set(key, { outcome, message: outcome === "pass" ? undefined : statusOf(c) });
      }
    }
  }
  return byCheck;
}

/**
 * Compares the gateway's run with the reference's, check by check (scenario and check id). A check
 * that passes against the reference and is not reported through the gateway counts as a
 * regression: a scenario that stops early must not hide what it did not get to.
 */
export function compareRuns(reference: ScenarioResult[], gateway: ScenarioResult[]): Comparison {
  const ref = summarize(reference);
  const gw = summarize(gateway);
  const comparison: Comparison = { regressions: [], weaker: [], gains: [] };
  for (const key of [...new Set([...ref.keys(), ...gw.keys()])].sort()) {
    const [scenario = "", id = ""] = key.split("\0");
    const r = ref.get(key);
    const g = gw.get(key);
    const entry = { scenario, id, reference: r?.outcome ?? "none", gateway: g?.outcome ?? "none" };
    if (entry.reference === "pass") {
      if (entry.gateway === "fail") comparison.regressions.push({ ...entry, message: g?.message });
      else if (entry.gateway === "none") {
        comparison.regressions.push({ ...entry, message: "not reported (the scenario stopped before it)" });
      } else if (entry.gateway === "other") comparison.weaker.push({ ...entry, message: g?.message });
    } else if (entry.gateway === "pass" && entry.reference === "fail") {
      comparison.gains.push({ ...entry, message: r?.message });
    }
  }
  return comparison;
}

export interface RevisionReport {
  revision: string;
  reference: ScenarioResult[];
  gateway: ScenarioResult[];
  /** The scenarios the revision's requirement set scores (the rest run but do not count). */
  scored: Set<string>;
}

const fmt = (t: Totals) => `${t.passed} passed / ${t.failed} failed`;

/**
 * The totals table; then, by revision and scenario, the regressions (which fail the run), the
 * checks that only warn through the gateway, and the gains (both informational).
 */
export function formatReport(
  reports: RevisionReport[],
  gated: (revision: string) => boolean = () => true,
): { text: string; regressions: number } {
  const rows = [["revision", "reference alone", "through the gateway", "scored: reference", "scored: gateway"]];
  for (const r of reports) {
    const scored = (s: string) => r.scored.has(s);
    rows.push([
      r.revision,
      fmt(totals(r.reference)),
      fmt(totals(r.gateway)),
      fmt(totals(r.reference, scored)),
      fmt(totals(r.gateway, scored)),
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0))) ?? [];
  const lines = rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("   ")
      .trimEnd(),
  );
  const compared = reports.map((report) => ({ report, comparison: compareRuns(report.reference, report.gateway) }));
  const listed = (title: string, pick: (c: Comparison) => CheckComparison[]) => {
    const out: string[] = [];
    for (const { report, comparison } of compared) {
      const checks = pick(comparison);
      if (checks.length === 0) continue;
      out.push(`  ${report.revision} (${checks.length}):`);
      let scenario = "";
      for (const c of checks) {
        if (c.scenario !== scenario) {
          scenario = c.scenario;
          out.push(`    ${scenario}${report.scored.has(scenario) ? "" : " (not scored)"}`);
        }
        const why = c.message?.split("\n")[0]?.slice(0, 160);
        out.push(`      ${c.id}${why ? `: ${why}` : ""}`);
      }
    }
    return out.length ? ["", title, ...out] : [];
  };
  // What fails the run: regressions in the scenarios a revision's requirement set scores. Those in
  // unscored ones (extensions, pending scenarios) are listed, marked "(not scored)".
  const regressions = compared.reduce(
    (n, { report, comparison }) =>
      n + (gated(report.revision) ? comparison.regressions.filter((c) => report.scored.has(c.scenario)).length : 0),
    0,
  );
  const text = [
    ...lines,
    ...listed("Pass against the reference server, fail through the gateway:", (c) => c.regressions),
    ...listed(
      "Pass against the reference server, only a warning or a note through the gateway (informational):",
      (c) => c.weaker,
    ),
    ...listed("Pass through the gateway, fail against the reference server (informational):", (c) => c.gains),
  ];
  return { text: text.join("\n"), regressions };
}
