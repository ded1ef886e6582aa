import { describe, expect, it } from "vitest";
import { instanceLabels, instanceName } from "./names";

const DNS1123_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const credential = "3f1c2e9a-0b7d-4c55-9a41-2f7d5e8c1a90";

describe("instance names", () => {
  it.each([
    ["GitHub", "mcp-github-"],
    ["jira.cloud", "mcp-jira-cloud-"],
    ["42-servers", "mcp-42-servers-"],
    ["Ünïcödé Sérvér 🚀", "mcp-unicode-server-"],
    ["日本語", "mcp-"],
    ["x".repeat(200), "mcp-xxx"],
    ["--Leading--and--trailing--", "mcp-leading-and-trailing-"],
    ["", "mcp-"],
  ])("%j becomes a valid DNS-1123 label", (slug, prefix) => {
    const name = instanceName(slug, credential);
    expect(name).toMatch(DNS1123_LABEL);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name.startsWith(prefix)).toBe(true);
  });

  it("differs for names that collide after slugging, and per credential", () => {
    expect(instanceName("my.server", credential)).not.toBe(instanceName("my server", credential));
    expect(instanceName("My-Server", credential)).not.toBe(instanceName("my-server", credential));
    expect(instanceName("jira", credential)).not.toBe(instanceName("jira", "another-credential"));
    const long = "a".repeat(100);
    expect(instanceName(`${long}1`, credential)).not.toBe(instanceName(`${long}2`, credential));
  });

  it("is stable for the same inputs", () => {
    expect(instanceName("memory", credential)).toBe(instanceName("memory", credential));
  });

  it("labels are valid label values", () => {
    const labels = instanceLabels({
      instanceId: crypto.randomUUID(),
      serverId: crypto.randomUUID(),
      credentialId: credential,
    });
    for (const value of Object.values(labels)) {
      expect(value).toMatch(LABEL_VALUE);
      expect(value.length).toBeLessThanOrEqual(63);
    }
  });
});
