import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./log";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ destination }), lines };
}

describe("logging", () => {
  it("redacts secret-bearing fields at any of the first three levels", () => {
    const { logger, lines } = capture();
    logger.info(
      {
        password: "hunter2-password",
        credential: { accessToken: "at-123456", nested: { refresh_token: "rt-987654" } },
        headers: { authorization: "Bearer mcpo_u_secret", host: "example.com" },
        env: { GITHUB_TOKEN: "ghp_abcdef" },
        user: "alice",
      },
      "an object with secrets",
    );
    const out = lines.join("");
    for (const secret of ["hunter2-password", "at-123456", "rt-987654", "mcpo_u_secret", "ghp_abcdef"]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain("alice");
    expect(out).toContain("example.com");
    expect(out).toContain("[redacted]");
  });
});
