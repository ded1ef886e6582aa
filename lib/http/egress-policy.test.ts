import { describe, expect, it } from "vitest";
import {
  classifyAddress,
  type EgressPolicy,
  egressRefusal,
  innermostClass,
  NO_EXCEPTIONS,
  parseEgressAllow,
} from "./egress-policy";

const policy = (ceiling: EgressPolicy["ceiling"], allow = NO_EXCEPTIONS): EgressPolicy => ({ ceiling, allow });

describe("the egress rule", () => {
  it.each([
    ["8.8.8.8", "public"],
    ["2606:4700::1111", "public"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["fd12:3456::1", "private"],
    ["203.0.113.2", "private"],
    ["169.254.169.254", "link-local"],
    ["fe80::1", "link-local"],
    ["127.0.0.1", "loopback"],
    ["127.8.9.10", "loopback"],
    ["::1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:169.254.169.254", "link-local"],
    ["64:ff9b::a9fe:a9fe", "link-local"],
  ])("classifies %s as %s", (address, expected) => {
    expect(classifyAddress(address)).toEqual({ class: expected });
  });

  it.each(["0.0.0.0", "::", "224.0.0.1", "ff02::1", "255.255.255.255", "2002:7f00:1::1", "not-an-ip"])(
    "never connects to %s",
    (address) => {
      expect("refused" in classifyAddress(address)).toBe(true);
      expect(egressRefusal(policy("loopback"), address, address)).toMatch(/ARCHESTRA_EGRESS_ALLOW/);
    },
  );

  it("lets a handed URL go no more internal than the catalog entry's own", () => {
    expect(egressRefusal(policy("public"), "example.com", "93.184.216.34")).toBeNull();
    expect(egressRefusal(policy("public"), "evil.example", "127.0.0.1")).toMatch(
      /Refused to connect to evil\.example \(127\.0\.0\.1\): a loopback address.*\(public\).*ARCHESTRA_EGRESS_ALLOW/,
    );
    expect(egressRefusal(policy("public"), "10.0.0.5", "10.0.0.5")).toMatch(/a private address/);
    expect(egressRefusal(policy("private"), "10.0.0.5", "10.0.0.5")).toBeNull();
    expect(egressRefusal(policy("private"), "metadata", "169.254.169.254")).toMatch(/link-local/);
    expect(egressRefusal(policy("link-local"), "h", "::1")).toMatch(/loopback/);
    // A catalog entry on loopback (a local HTTP server) may be handed anything but the never-classes.
    expect(egressRefusal(policy("loopback"), "localhost", "127.0.0.1")).toBeNull();
    expect(egressRefusal(policy("loopback"), "x", "169.254.169.254")).toBeNull();
  });

  it("takes the most internal of a catalog host's addresses as the ceiling", () => {
    expect(innermostClass(["8.8.8.8"])).toBe("public");
    expect(innermostClass(["8.8.8.8", "10.0.0.1"])).toBe("private");
    expect(innermostClass(["::1", "127.0.0.1"])).toBe("loopback");
    expect(innermostClass([])).toBe("public");
  });

  it("allows exceptions by CIDR, address and host name", () => {
    const allow = parseEgressAllow("10.20.0.0/16, 169.254.169.254 idp.internal *.corp.example");
    expect(egressRefusal(policy("public", allow), "a", "10.20.3.4")).toBeNull();
    expect(egressRefusal(policy("public", allow), "a", "10.21.3.4")).toMatch(/private/);
    expect(egressRefusal(policy("public", allow), "a", "169.254.169.254")).toBeNull();
    expect(egressRefusal(policy("public", allow), "IDP.internal", "127.0.0.1")).toBeNull();
    expect(egressRefusal(policy("public", allow), "sso.corp.example", "10.9.9.9")).toBeNull();
    expect(egressRefusal(policy("public", allow), "corp.example.evil", "10.9.9.9")).toMatch(/private/);
    expect(parseEgressAllow("")).toEqual(NO_EXCEPTIONS);
    expect(() => parseEgressAllow("10.0.0.0/99")).toThrow(/neither a CIDR/);
    expect(() => parseEgressAllow("http://x")).toThrow(/neither a CIDR/);
  });
});
