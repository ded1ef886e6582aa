import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { isResourceNotFound, LEGACY_RESOURCE_NOT_FOUND, resourceNotFound } from "./resource-not-found";

describe("a resource no server has", () => {
  it("is -32002 in the 2025 revisions and -32602 from 2026-07-28, with the URI in data", () => {
    for (const version of [undefined, "2025-03-26", "2025-06-18", "2025-11-25"]) {
      const err = resourceNotFound("test://nope", version);
      expect(err.code).toBe(LEGACY_RESOURCE_NOT_FOUND);
      expect(err.data).toEqual({ uri: "test://nope" });
    }
    const modern = resourceNotFound("test://nope", "2026-07-28", "It may be offered by Notes: connect it first.");
    expect(modern.code).toBe(ErrorCode.InvalidParams);
    expect(modern.data).toEqual({ uri: "test://nope" });
    expect(modern.message).toContain("connect it first");
  });

  it("is recognised in either code from a server; other errors are not", () => {
    expect(isResourceNotFound(new McpError(-32002, "x"))).toBe(true);
    expect(isResourceNotFound(new McpError(ErrorCode.InvalidParams, "x"))).toBe(true);
    expect(isResourceNotFound(new McpError(ErrorCode.InternalError, "x"))).toBe(false);
    expect(isResourceNotFound(new Error("connection closed"))).toBe(false);
    expect(isResourceNotFound(null)).toBe(false);
  });
});
