import { describe, expect, it } from "vitest";
import { installUrl, missingCredentialResult } from "./missing-credential";

const server = { id: "s-1", slug: "git hub", name: "GitHub" };

describe("missing credential result", () => {
  it("is an error with an absolute install link, and the facts for programs", () => {
    const r = missingCredentialResult({
      kind: "missing",
      server,
      origin: "https://mcp.example.com",
      hasOutputSchema: false,
    });
    expect(r.isError).toBe(true);
    const text = (r.content[0] as { text: string }).text;
    expect(text).toContain("GitHub is not connected for you yet");
    expect(text).toContain("https://mcp.example.com/registry/git%20hub?install=1");
    expect(text).toContain("retry");
    expect(r.structuredContent).toEqual({
      kind: "credential_missing",
      serverId: "s-1",
      serverSlug: "git hub",
      installUrl: "https://mcp.example.com/registry/git%20hub?install=1",
    });
    expect(r._meta?.["io.mcp-orchestrator/credential"]).toEqual(r.structuredContent);
  });

  it("asks to re-authenticate an expired credential, and keeps structuredContent out of tools with an output schema", () => {
    const r = missingCredentialResult({
      kind: "reauth",
      server,
      origin: "http://localhost:3000",
      hasOutputSchema: true,
    });
    expect((r.content[0] as { text: string }).text).toContain(
      "has expired or was revoked. Connect it again here (sign in again, or enter a new key): http://localhost:3000/registry/git%20hub?reauth=1",
    );
    expect(r.structuredContent).toBeUndefined();
    expect(r._meta?.["io.mcp-orchestrator/credential"]).toMatchObject({ kind: "credential_needs_reauthentication" });
    expect(installUrl("http://h", "x", "missing")).toBe("http://h/registry/x?install=1");
  });
});
