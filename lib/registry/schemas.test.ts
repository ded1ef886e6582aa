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
});
