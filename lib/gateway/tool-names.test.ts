import { describe, expect, it } from "vitest";
import { exposedToolName, findNameCollisions } from "./tool-names";

describe("tool names in a gateway", () => {
  it("prefix with the server by default, an override, or nothing", () => {
    expect(exposedToolName(null, "github", "create_issue")).toBe("github__create_issue");
    expect(exposedToolName("gh", "github", "create_issue")).toBe("gh__create_issue");
    expect(exposedToolName("", "github", "create_issue")).toBe("create_issue");
  });

  it("finds names two assignments would both expose", () => {
    const collisions = findNameCollisions([
      { assignmentId: "1", prefix: "", serverSlug: "github", tools: ["search", "create_issue"] },
      { assignmentId: "2", prefix: "", serverSlug: "gitlab", tools: ["search"] },
      { assignmentId: "3", prefix: null, serverSlug: "jira", tools: ["search"] },
    ]);
    expect([...collisions]).toEqual([["search", ["github/search", "gitlab/search"]]]);
    expect(
      findNameCollisions([
        { assignmentId: "1", prefix: null, serverSlug: "a", tools: ["x"] },
        { assignmentId: "2", prefix: null, serverSlug: "b", tools: ["x"] },
      ]).size,
    ).toBe(0);
  });
});
