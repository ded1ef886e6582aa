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

/** A check's outcome in one run; a check the suite reports more than once fails if any report fails. */
export type Outcome = "pass" | "fail" | "none";

export interface CheckComparison {
  scenario: string;
  id: string;
  name: string;
  reference: Outcome;
  gateway: Outcome;
  /** Why it failed, where it failed (the gateway's reason for a regression). */
  message?: string;
}

export interface Comparison {
  /** Passed against the reference server, failed or missing through the gateway. */
  regressions: CheckComparison[];
  /** Passed through the gateway, failed against the reference server alone. */
  gains: CheckComparison[];
}

interface Summary {
  outcome: Outcome;
  name: string;
  message?: string;
}

function summarize(results: ScenarioResult[]): Map<string, Summary> {
  const byCheck = new Map<string, Summary>();
  for (const r of results) {
    for (const c of r.checks) {
      const key = `${r.scenario}\0${c.id}`;
      const seen = byCheck.get(key) ?? { outcome: "none" as Outcome, name: c.name ?? c.id };
      if (c.status === "FAILURE") {
        if (seen.outcome !== "fail") Object.assign(seen, { outcome: "fail", message: c.errorMessage });
      } else if (c.status === "SUCCESS" && seen.outcome === "none") seen.outcome = "pass";
      byCheck.set(key, seen);
    }
  }
  return byCheck;
}

/**
 * Compares the gateway's run with the reference's, check by check (scenario and check id). A check
 * that passes against the reference and is absent through the gateway counts as a regression: a
 * scenario that stops early must not hide what it did not get to.
 */
export function compareRuns(reference: ScenarioResult[], gateway: ScenarioResult[]): Comparison {
  const ref = summarize(reference);
  const gw = summarize(gateway);
  const regressions: CheckComparison[] = [];
  const gains: CheckComparison[] = [];
  for (const key of [...new Set([...ref.keys(), ...gw.keys()])].sort()) {
    const [scenario = "", id = ""] = key.split("\0");
    const r = ref.get(key);
    const g = gw.get(key);
    const entry = {
      scenario,
      id,
      name: (g ?? r)?.name ?? id,
      reference: r?.outcome ?? "none",
      gateway: g?.outcome ?? "none",
    };
    if (entry.reference === "pass" && entry.gateway !== "pass") {
      regressions.push({
        ...entry,
        message: g ? g.message : "Not reported through the gateway (the scenario stopped before it).",
      });
    } else if (entry.gateway === "pass" && entry.reference === "fail") {
      gains.push({ ...entry, message: r?.message });
    }
  }
  return { regressions, gains };
}

export interface RevisionReport {
  revision: string;
  reference: ScenarioResult[];
  gateway: ScenarioResult[];
  /** The scenarios the revision's requirement set scores (the rest run but do not count). */
  scored: Set<string>;
}

const fmt = (t: Totals) => `${t.passed} passed / ${t.failed} failed`;

/** The totals table, then the regressions by revision and scenario, then the gains. */
export function formatReport(reports: RevisionReport[]): { text: string; regressions: number } {
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
  const regressed = listed("Pass against the reference server, fail through the gateway:", (c) => c.regressions);
  const gained = listed("Pass through the gateway, fail against the reference server (informational):", (c) => c.gains);
  const regressions = compared.reduce((n, { comparison }) => n + comparison.regressions.length, 0);
  return { text: [...lines, ...regressed, ...gained].join("\n"), regressions };
}
