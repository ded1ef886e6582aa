/**
 * Kubernetes label selectors as the API server reads them: `a=b`, `a==b`, `a!=b`,
 * `a in (x,y)`, `a notin (x,y)`, `a` (exists) and `!a` (does not exist), comma-separated.
 */
export type Requirement =
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!exists" };

export function parseLabelSelector(selector: string): Requirement[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of selector) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  if (current.trim()) parts.push(current);
  return parts
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p): Requirement => {
      let m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p);
      if (m)
        return {
          key: m[1] as string,
          op: m[2] as "in" | "notin",
          values: (m[3] as string).split(",").map((v) => v.trim()),
        };
      m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(p);
      if (m) return { key: m[1] as string, op: m[2] === "!=" ? "!=" : "=", value: m[3] as string };
      m = /^(!?)([\w./-]+)$/.exec(p);
      if (m) return { key: m[2] as string, op: m[1] ? "!exists" : "exists" };
      throw new Error(`unable to parse requirement: ${p}`);
    });
}

export function matchesLabels(labels: Record<string, string> | undefined, requirements: Requirement[]): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.hasOwn(l, r.key);
    switch (r.op) {
      case "=":
        return l[r.key] === r.value;
      case "!=":
        return l[r.key] !== r.value;
      case "in":
        return has && r.values.includes(l[r.key] as string);
      case "notin":
        return !has || !r.values.includes(l[r.key] as string);
      case "exists":
        return has;
      case "!exists":
        return !has;
      default:
        return false;
    }
  });
}
