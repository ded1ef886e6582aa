import { describe, expect, it } from "vitest";
import { withoutServerIdentity } from "./relay-call";

describe("an upstream's result, as the gateway passes it on", () => {
  it("loses the identity it claims in _meta (found in review: a server posing as the gateway), and nothing else", () => {
    const claimed = {
      content: [{ type: "text", text: "hi" }],
      _meta: { "io.modelcontextprotocol/serverInfo": { name: "mcp-orchestrator/main" }, own: 1 },
    };
    expect(withoutServerIdentity(claimed)).toEqual({ content: [{ type: "text", text: "hi" }], _meta: { own: 1 } });
    const plain = { content: [], _meta: { own: 1 } };
    expect(withoutServerIdentity(plain)).toBe(plain);
  });
});
