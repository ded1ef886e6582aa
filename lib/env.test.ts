import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "./env";

const problems = (source: Record<string, string>) => {
  try {
    parseEnv(source);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems;
  }
};

describe("configuration", () => {
  it("needs nothing: the embedded default", () => {
    const env = parseEnv({});
    expect(env.embedded).toBe(true);
    expect(env.PORT).toBe(3000);
    expect(env.dataDir).toMatch(/data$/);
    expect(env.ARCHESTRA_LOG_LEVEL).toBe("info");
  });

  it("names the variable and what is expected for each bad value", () => {
    const found = problems({ PORT: "abc", ARCHESTRA_LOG_LEVEL: "loud", ARCHESTRA_PUBLIC_URL: "not a url" });
    expect(found).toHaveLength(3);
    expect(found.find((p) => p.startsWith("PORT:"))).toMatch(/port number.*"abc"/);
    expect(found.find((p) => p.startsWith("ARCHESTRA_LOG_LEVEL:"))).toMatch(/one of fatal/);
    expect(found.find((p) => p.startsWith("ARCHESTRA_PUBLIC_URL:"))).toMatch(/absolute URL/);
  });

  it("never echoes secret values in its messages", () => {
    const found = problems({
      ARCHESTRA_AUTH_SECRET: "short-secret-value",
      ARCHESTRA_ADMIN_PASSWORD: "pw",
      ARCHESTRA_ADMIN_EMAIL: "a@b.co",
    });
    expect(found.join("\n")).not.toContain("short-secret-value");
    expect(found.join("\n")).not.toContain('"pw"');
    expect(found.some((p) => p.startsWith("ARCHESTRA_ADMIN_PASSWORD:"))).toBe(true);
  });

  it("wants the admin email and password together, and all three OIDC settings together", () => {
    expect(problems({ ARCHESTRA_ADMIN_EMAIL: "admin@example.com" })).toEqual([
      expect.stringMatching(/^ARCHESTRA_ADMIN_PASSWORD: set both/),
    ]);
    expect(problems({ ARCHESTRA_OIDC_ISSUER: "https://id.example.com" })[0]).toMatch(
      /ARCHESTRA_OIDC_CLIENT_ID: .*ARCHESTRA_OIDC_CLIENT_ID and ARCHESTRA_OIDC_CLIENT_SECRET/,
    );
  });

  it("with PostgreSQL, requires shared secrets so replicas agree", () => {
    const found = problems({ DATABASE_URL: "postgres://app:app@localhost:5432/app" });
    expect(found.map((p) => p.split(":")[0]).sort()).toEqual(["ARCHESTRA_AUTH_SECRET", "ARCHESTRA_ENCRYPTION_KEYS"]);
    expect(problems({ DATABASE_URL: "mysql://x" })[0]).toMatch(/^DATABASE_URL: expected a URL starting with postgres/);
    const env = parseEnv({
      DATABASE_URL: "postgres://app:app@localhost:5432/app",
      ARCHESTRA_ENCRYPTION_KEYS: "k",
      ARCHESTRA_AUTH_SECRET: "x".repeat(32),
    });
    expect(env.embedded).toBe(false);
  });

  it("wants the internal listener's port with a replica address, and not the public port", () => {
    expect(problems({ ARCHESTRA_REPLICA_URL: "http://10.0.0.1:3001" })[0]).toMatch(
      /^ARCHESTRA_INTERNAL_PORT: required when ARCHESTRA_REPLICA_URL is set/,
    );
    expect(problems({ ARCHESTRA_INTERNAL_PORT: "3000" })[0]).toMatch(/^ARCHESTRA_INTERNAL_PORT: expected a port other/);
    expect(problems({ ARCHESTRA_INTERNAL_PORT: "x" })[0]).toMatch(/^ARCHESTRA_INTERNAL_PORT: expected a port number/);
    const env = parseEnv({ ARCHESTRA_REPLICA_URL: "http://10.0.0.1:3001", ARCHESTRA_INTERNAL_PORT: "3001" });
    expect(env.ARCHESTRA_INTERNAL_PORT).toBe(3001);
    expect(parseEnv({ ARCHESTRA_INTERNAL_PORT: "" }).ARCHESTRA_INTERNAL_PORT).toBeUndefined();
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", ARCHESTRA_PUBLIC_URL: " " }).embedded).toBe(true);
  });
});
