import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Dependencies point one way: the domains, and the layers the gateway stands on (auth, audit,
 * the MCP protocol code), never reach gateway code, directly or through another module. They
 * announce changes on the replica bus instead, and the gateway listens. Tests may cross layers.
 */
const ROOT = path.resolve(import.meta.dirname, "..");
const GATEWAY = path.join(ROOT, "lib/gateway") + path.sep;
const DOMAINS = [
  "credentials",
  "oauth",
  "registry",
  "teams",
  "users",
  "tokens",
  "orchestrator",
  "auth",
  "audit",
  "mcp",
];

/** Every module a source text names: static imports and re-exports (types too), dynamic imports. */
function specifiersOf(source: string): string[] {
  const patterns = [
    /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"'\n]+)["']/gm,
    /^\s*import\s*["']([^"'\n]+)["']/gm,
    /\bimport\(\s*["']([^"'\n]+)["']\s*\)/g,
  ];
  return patterns.flatMap((p) => [...source.matchAll(p)].map((m) => m[1] as string));
}

/** The project file a specifier names, or null for a package. */
function resolve(from: string, specifier: string): string | null {
  let base: string;
  if (specifier.startsWith("@/")) base = path.join(ROOT, specifier.slice(2));
  else if (specifier.startsWith(".")) base = path.resolve(path.dirname(from), specifier);
  else return null;
  const candidates = [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts"), path.join(base, "index.tsx")];
  for (const candidate of candidates) if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  throw new Error(`${path.relative(ROOT, from)}: cannot resolve "${specifier}"`);
}

const edges = new Map<string, string[]>();
function importsOf(file: string): string[] {
  let found = edges.get(file);
  if (!found) {
    found = specifiersOf(readFileSync(file, "utf8"))
      .map((s) => resolve(file, s))
      .filter((f): f is string => f !== null);
    edges.set(file, found);
  }
  return found;
}

/** The first chain of imports from `file` into lib/gateway, or null. */
function pathToGateway(file: string): string[] | null {
  const via = new Map<string, string | null>([[file, null]]);
  const queue = [file];
  for (let next = queue.shift(); next; next = queue.shift()) {
    if (next.startsWith(GATEWAY)) {
      const chain: string[] = [];
      for (let at: string | null | undefined = next; at; at = via.get(at)) chain.unshift(path.relative(ROOT, at));
      return chain;
    }
    for (const target of importsOf(next)) {
      if (via.has(target)) continue;
      via.set(target, next);
      queue.push(target);
    }
  }
  return null;
}

function modulesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

describe("dependencies point one way: the domains never import gateway code", () => {
  it("reads every form of import", () => {
    const source = [
      'import { a } from "@/lib/one";',
      'import type { B } from "./two";',
      "import {\n  c,\n  d,\n} from '../three';",
      'export { e } from "@/lib/four";',
      'export * from "./five";',
      'import "./six";',
      'const g = await import("@/lib/seven");',
      'const url = "http://example.test"; // not an import',
    ].join("\n");
    expect(specifiersOf(source).sort()).toEqual(
      ["@/lib/one", "./two", "../three", "@/lib/four", "./five", "./six", "@/lib/seven"].sort(),
    );
  });

  it("follows imports through other modules", () => {
    // The gateway's own modules reach the gateway, and the chain names the way there.
    expect(pathToGateway(path.join(ROOT, "lib/startup.ts"))).toEqual([
      "lib/startup.ts",
      "lib/gateway/listen-for-changes.ts",
    ]);
  });

  it.each(DOMAINS)("no module under lib/%s reaches lib/gateway", (domain) => {
    const reaching = modulesUnder(path.join(ROOT, "lib", domain))
      .map(pathToGateway)
      .filter((chain) => chain !== null)
      .map((chain) => chain.join(" -> "));
    expect(reaching).toEqual([]);
  });
});
