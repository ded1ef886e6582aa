import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@/lib/net/free-port";

const run = promisify(execFile);

/** Runs the CLI as `npm run cli -- ...` does, with its own home directory. */
async function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string; code: number }> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "cli-test-"));
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "cli/index.ts", ...args], {
      env: { ...process.env, HOME: home, ...env },
      timeout: 30_000,
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? "", stderr: e.stderr ?? "", code: e.code ?? 1 };
  }
}

/** One line, and no stack trace. */
const expectOneLineError = (stderr: string) => {
  expect(stderr.trim().split("\n"), stderr).toHaveLength(1);
  expect(stderr).toMatch(/^Error: /);
  expect(stderr).not.toMatch(/\n\s+at /);
};

describe("catalog add passes --arg values through, even ones that start with a dash", () => {
  let api: http.Server;
  let env: Record<string, string>;
  const bodies: unknown[] = [];
  beforeAll(async () => {
    api = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => {
        body += d;
      });
      req.on("end", () => {
        bodies.push(JSON.parse(body));
        res.writeHead(201, { "content-type": "application/json" });
        res.end(JSON.stringify({ item: { name: "Memory", slug: "memory" } }));
      });
    });
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
    env = { ARCHESTRA_URL: `http://127.0.0.1:${(api.address() as AddressInfo).port}`, ARCHESTRA_TOKEN: "test-token" };
  });
  afterAll(() => {
    api.close();
  });

  it.each([
    ["as the README writes it", ["--arg", "-y", "--arg", "@modelcontextprotocol/server-memory"]],
    ["joined with =", ["--arg=-y", "--arg=@modelcontextprotocol/server-memory"]],
  ])("%s", async (_, args) => {
    bodies.length = 0;
    const added = await cli(["catalog", "add", "--name", "Memory", "--command", "npx", ...args], env);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain("Added Memory (memory)");
    expect(bodies).toEqual([
      expect.objectContaining({ command: "npx", args: ["-y", "@modelcontextprotocol/server-memory"] }),
    ]);
  });

  it("refuses a value that is one of the CLI's own options, as a missing value", async () => {
    const missing = await cli(["catalog", "add", "--name", "Memory", "--arg", "--json"], env);
    expect(missing.code).toBe(1);
    expectOneLineError(missing.stderr);
    expect(missing.stderr).toContain("--arg");
  });
});

describe("every error is one line on stderr and a non-zero exit", () => {
  it.each([
    ["an unknown option", ["bogus", "--frob"], "Unknown option '--frob'. See: npm run cli -- help"],
    ["a missing value", ["teams", "create", "--name"], "Option '--name <value>' argument missing."],
    ["an unknown command", ["bogus"], 'Unknown command "bogus"'],
  ])("%s", async (_, args, message) => {
    const result = await cli(args, { ARCHESTRA_TOKEN: "test-token" });
    expect(result.code).toBe(1);
    expectOneLineError(result.stderr);
    expect(result.stderr).toContain(message);
  });

  it("a server that cannot be reached", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await cli(["teams", "list"], { ARCHESTRA_URL: url, ARCHESTRA_TOKEN: "test-token" });
    expect(result.code).toBe(1);
    expectOneLineError(result.stderr);
    expect(result.stderr).toContain(`Cannot reach ${url}`);
  });
});
