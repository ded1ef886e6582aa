import { describe, expect, it } from "vitest";
import { isAuthorizationServerPath, pinToPublicUrl } from "./front";

describe("the authorization server's front", () => {
  it("takes its metadata and /oauth/ endpoints, and leaves the consent page and everything else to the app", () => {
    for (const path of [
      "/.well-known/oauth-authorization-server",
      "/.well-known/openid-configuration?x=1",
      "/oauth/authorize?client_id=x",
      "/oauth/token",
    ])
      expect(isAuthorizationServerPath(path), path).toBe(true);
    for (const path of ["/oauth/interaction/abc", "/oauth/interaction/abc/answer", "/oauthx", "/api/mcp/main", "/"])
      expect(isAuthorizationServerPath(path), path).toBe(false);
  });

  it("with ARCHESTRA_PUBLIC_URL set, builds its URLs from it whatever Host a request names (found in review)", () => {
    const req = { headers: { host: "evil.example", "x-forwarded-host": "evil.example", "x-forwarded-proto": "http" } };
    pinToPublicUrl(req as never, "https://mcp.example.com");
    expect(req.headers).toEqual({ host: "mcp.example.com", "x-forwarded-proto": "https" });
    const unset = { headers: { host: "127.0.0.1:3000" } };
    pinToPublicUrl(unset as never, undefined);
    expect(unset.headers).toEqual({ host: "127.0.0.1:3000" });
  });
});
