import type { EnvVarSpec } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { isReservedEnvName, RESERVED_ENV_MESSAGE } from "@/lib/orchestrator/reserved-env";
import type { CatalogItemInput } from "./schemas";

/**
 * Pure: the admin's "add a server" form as catalog input. Variables are one per line:
 *   NAME [secret] [required] [hidden] [=default] [# description]
 * ("hidden": not asked at install, its default is used).
 */
export function parseEnvLines(text: string): EnvVarSpec[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line, i) => {
      const [spec = "", ...comment] = line.split("#");
      const words = spec.trim().split(/\s+/);
      const name = words.shift() ?? "";
      const defaultWord = words.find((w) => w.startsWith("="));
      const unknown = words.filter((w) => !["secret", "required", "hidden"].includes(w) && !w.startsWith("="));
      if (unknown.length)
        throw new AppError("bad_request", `Line ${i + 1}: unknown word "${unknown[0]}".`, {
          env: `Line ${i + 1}: use NAME [secret] [required] [hidden] [=default] [# description].`,
        });
      if (isReservedEnvName(name))
        throw new AppError("bad_request", `Line ${i + 1}: ${name}: ${RESERVED_ENV_MESSAGE}`, {
          env: `Line ${i + 1}: ${name}: ${RESERVED_ENV_MESSAGE}`,
        });
      const description = comment.join("#").trim();
      return {
        name,
        secret: words.includes("secret"),
        required: words.includes("required"),
        prompt: !words.includes("hidden"),
        ...(defaultWord ? { default: defaultWord.slice(1) } : {}),
        ...(description ? { description } : {}),
      };
    });
}

const value = (form: FormData, key: string) => {
  const v = form.get(key);
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
};

export function catalogInputFromForm(form: FormData): CatalogItemInput {
  const common = {
    name: value(form, "name") ?? "",
    slug: value(form, "slug"),
    description: value(form, "description"),
  };
  if (form.get("kind") === "remote") {
    return {
      kind: "remote",
      ...common,
      url: value(form, "url") ?? "",
      authKind: (value(form, "authKind") ?? "none") as "none" | "header" | "oauth",
      headerName: value(form, "headerName"),
      oauthClientId: value(form, "oauthClientId"),
      oauthClientSecret: value(form, "oauthClientSecret"),
      scopes: value(form, "scopes")?.split(/[\s,]+/),
    };
  }
  const port = value(form, "httpPort");
  return {
    kind: "local",
    ...common,
    command: value(form, "command"),
    args: (value(form, "args") ?? "")
      .split("\n")
      .map((a) => a.trim())
      .filter(Boolean),
    image: value(form, "image"),
    transport: form.get("transport") === "http" ? "http" : "stdio",
    httpPort: port ? Number(port) : undefined,
    httpPath: value(form, "httpPath"),
    env: parseEnvLines(value(form, "env") ?? ""),
  };
}
