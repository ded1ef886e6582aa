import { describe, expect, it } from "vitest";
import { declaredCapabilities, issueSession, readSession, SESSION_MAX_AGE_MS } from "./session";

const SECRET = "s".repeat(40);
const session = {
  tokenId: "tok-1",
  gatewayId: "gw-1",
  can: { sampling: true, elicitation: false, roots: true, url: false },
};

describe("gateway sessions", () => {
  it("read back what was issued, on any replica with the same secret", () => {
    const id = issueSession(SECRET, session);
    expect(id).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(readSession(SECRET, id, "tok-1", "gw-1")).toEqual(session);
    expect(issueSession(SECRET, session)).not.toBe(id);
  });

  it("are unknown with another token, gateway or secret, or when altered", () => {
    const id = issueSession(SECRET, session);
    expect(readSession(SECRET, id, "tok-2", "gw-1")).toBeNull();
    expect(readSession(SECRET, id, "tok-1", "gw-2")).toBeNull();
    expect(readSession("t".repeat(40), id, "tok-1", "gw-1")).toBeNull();
    const [data, mac] = id.split(".") as [string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(data, "base64url").toString()), c: "sampling,elicitation,roots" }),
    ).toString("base64url");
    expect(readSession(SECRET, `${forged}.${mac}`, "tok-1", "gw-1")).toBeNull();
    for (const bad of ["", "x", "a.b.c", `${data}.`, `.${mac}`, "not-a-session"])
      expect(readSession(SECRET, bad, "tok-1", "gw-1")).toBeNull();
  });

  it("expire after the maximum age, so that ended ones can be forgotten", () => {
    const issuedAt = Date.UTC(2026, 0, 1);
    const id = issueSession(SECRET, session, issuedAt);
    expect(readSession(SECRET, id, "tok-1", "gw-1", issuedAt + SESSION_MAX_AGE_MS - 1000)).toEqual(session);
    expect(readSession(SECRET, id, "tok-1", "gw-1", issuedAt + SESSION_MAX_AGE_MS + 1000)).toBeNull();
  });

  it("take capabilities from what the client declared", () => {
    expect(declaredCapabilities({ sampling: {}, roots: { listChanged: true } })).toEqual({
      sampling: true,
      elicitation: false,
      roots: true,
      url: false,
    });
    expect(declaredCapabilities(undefined)).toEqual({ sampling: false, elicitation: false, roots: false, url: false });
  });
});

describe("declared capabilities", () => {
  it("note URL-mode elicitation only when the client declares it", () => {
    expect(declaredCapabilities({ elicitation: {} })).toMatchObject({ elicitation: true, url: false });
    expect(declaredCapabilities({ elicitation: { url: {} } })).toMatchObject({ elicitation: true, url: true });
    expect(declaredCapabilities({ sampling: {} })).toMatchObject({ elicitation: false, url: false });
    const id = issueSession("s".repeat(32), { ...session, can: declaredCapabilities({ elicitation: { url: {} } }) });
    expect(readSession("s".repeat(32), id, "tok-1", "gw-1")?.can.url).toBe(true);
  });
});
