import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validation";
import { catalogItemSchema } from "./schemas";

const remote = (url: string) => ({ kind: "remote" as const, name: "R", url });

describe("catalog entries", () => {
  it("take a remote server's URL only over http or https", () => {
    for (const url of ["https://mcp.example.com/mcp", "http://localhost:8080/mcp"])
      expect(parseInput(catalogItemSchema, remote(url))).toMatchObject({ url });
    for (const url of ["ftp://x", "file:///etc/passwd", "javascript:alert(1)", "ws://x.example/mcp", "not a url"]) {
      let error: unknown;
      try {
        parseInput(catalogItemSchema, remote(url));
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).status).toBe(400);
      expect((error as AppError).fields).toEqual({ url: expect.stringContaining("https://") });
      expect((error as AppError).message).toMatch(/^url: /);
    }
  });

  it("refuse variable names that steer a loader or an interpreter, with the field named", () => {
    const local = (name: string) => ({ kind: "local" as const, name: "L", command: "npx", env: [{ name }] });
    for (const name of [
      "PATH",
      "HOME",
      "MCP_INSTANCE_DIR",
      "LD_PRELOAD",
      "ld_library_path",
      "DYLD_INSERT_LIBRARIES",
      "NODE_OPTIONS",
      "NODE_PATH",
      "PYTHONPATH",
      "PYTHONSTARTUP",
      "PYTHONHOME",
      "PERL5LIB",
      "PERL5OPT",
      "RUBYOPT",
      "BASH_ENV",
      "ENV",
      "npm_config_registry",
      "NPM_CONFIG_NODE_OPTIONS",
      "UV_INDEX_URL",
      "GIT_SSH_COMMAND",
      "JAVA_TOOL_OPTIONS",
      "GLIBC_TUNABLES",
    ]) {
      let error: unknown;
      try {
        parseInput(catalogItemSchema, local(name));
      } catch (err) {
        error = err;
      }
      expect(error, name).toBeInstanceOf(AppError);
      expect((error as AppError).fields).toEqual({
        "env.0.name": expect.stringContaining(`${name}: this name is reserved`),
      });
    }
    // Names servers really use stay allowed, and so do harmless Python settings.
    for (const name of [
      "GITHUB_TOKEN",
      "API_KEY",
      "MEMORY_FILE_PATH",
      "NODE_ENV",
      "PYTHONUNBUFFERED",
      "GITHUB_HOST",
      "PATHS",
    ])
      expect(parseInput(catalogItemSchema, local(name))).toMatchObject({ env: [{ name }] });
  });
});
