import { describe, expect, it } from "vitest";
import { LogRing } from "./log-ring";
import { redactSecrets, secretForms } from "./redact-secrets";

describe("redacting secrets from logs", () => {
  const secret = 'pa$$w"ord-with-quote';

  it("replaces the value as is, JSON-escaped and URL-encoded", () => {
    const forms = secretForms([secret]);
    expect(forms).toEqual(expect.arrayContaining([secret, 'pa$$w\\"ord-with-quote', "pa%24%24w%22ord-with-quote"]));
    expect(redactSecrets(`raw ${secret}`, forms)).toBe("raw [redacted]");
    expect(redactSecrets(`env ${JSON.stringify({ API_KEY: secret })}`, forms)).toBe('env {"API_KEY":"[redacted]"}');
    expect(redactSecrets(`GET /x?key=${encodeURIComponent(secret)}&a=1`, forms)).toBe("GET /x?key=[redacted]&a=1");
  });

  it("lists a form once when it is the same as the value, and leaves short values alone", () => {
    expect(secretForms(["plain-token", "abc"])).toEqual(["plain-token"]);
    expect(redactSecrets("abc plain-token", secretForms(["plain-token", "abc"]))).toBe("abc [redacted]");
  });

  it("keeps the longer form whole where a shorter one is inside it", () => {
    // The value's JSON form, \\abcd, contains the value itself, \abcd.
    const value = "\\abcd";
    expect(redactSecrets(`x ${JSON.stringify(value)} y`, secretForms([value]))).toBe('x "[redacted]" y');
  });

  it("a log line cut short never keeps the start of a secret", () => {
    const ring = new LogRing([secret], 10, 20);
    ring.write(`${"x".repeat(15)}${secret}\n`);
    expect(ring.tail(1)).toEqual([`${"x".repeat(15)}[reda…`]);
  });

  it("a long line written in chunks is stored in pieces that never split a secret", () => {
    const ring = new LogRing([secret], 10, 20);
    // The secret arrives in two chunks, and the first chunk already makes the line too long to wait.
    const cut = Math.floor(secret.length / 2);
    ring.write(`${"x".repeat(25)}${secret.slice(0, cut)}`);
    ring.write(`${secret.slice(cut)} done\n`);
    const stored = ring.tail(10).join("\n");
    expect(stored).toContain("[reda");
    expect(stored).not.toContain(secret.slice(0, cut));
    expect(stored).not.toContain(secret.slice(cut));
  });
});
