import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { cachedInstall } from "@/test/conformance/cached-install";

const run = promisify(execFile);

/**
 * A current Claude Code (test/claude-code pins it), the real client the gateway is used with:
 * installed once into node_modules/.cache (it is large, and only a test peer), run with a home
 * of its own and nothing sent anywhere but the gateway.
 */
export async function claudeCode(): Promise<(args: string[], home: string) => Promise<string>> {
  const { dir } = await cachedInstall({
    source: path.resolve("test/claude-code"),
    cacheDir: path.resolve("node_modules/.cache/claude-code"),
    name: "claude-code",
    // The platform package carries the binary; no install script is needed to reach it.
    install: async (at) => {
      await run("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: at, timeout: 600_000 });
    },
  });
  const binary = path.join(dir, "node_modules/@anthropic-ai/claude-code-linux-x64/claude");
  return async (args, home) => {
    const { stdout, stderr } = await run(binary, args, {
      cwd: home,
      timeout: 60_000,
      // Nothing of this machine's environment but PATH: no key, no proxy, no settings.
      env: {
        PATH: process.env.PATH,
        HOME: home,
        DISABLE_AUTOUPDATER: "1",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        DISABLE_TELEMETRY: "1",
      } as unknown as NodeJS.ProcessEnv,
    });
    return `${stdout}${stderr}`;
  };
}

export const freshHome = () => fs.mkdtempSync(path.join(os.tmpdir(), "claude-home-"));

/** A pass-through proxy to `target` that notes each request's MCP method and protocol version. */
export async function recordingProxy(target: string): Promise<{
  url: string;
  seen: { method: string; version: string | null }[];
  close(): void;
}> {
  const seen: { method: string; version: string | null }[] = [];
  const to = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      let method = req.method ?? "";
      try {
        method = (JSON.parse(body.toString()) as { method?: string }).method ?? method;
      } catch {}
      const version = req.headers["mcp-protocol-version"];
      seen.push({ method, version: typeof version === "string" ? version : null });
      const up = http.request(
        { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      up.on("error", () => res.writeHead(502).end());
      res.on("close", () => up.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => server.close() };
}
