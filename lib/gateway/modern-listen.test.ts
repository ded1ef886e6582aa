import { describe, expect, it, vi } from "vitest";
import { exchangeFromRequest } from "./exchange";
import type { GatewayScope } from "./gateway-server";
import { streamsOfToken } from "./held-streams";
import { serveListen } from "./modern-listen";
import { subscribe } from "./subscriptions";
import { subscribableServer } from "@/test/support/mcp-servers";

// The gateway's routing of a URI to its server is prompts-resources.ts's; here each subscription
// goes to one real server, and the client may leave while it is made.
const during = vi.hoisted(() => ({
  subscribing: async (_who: { session: string; tokenId: string }, _uri: string) => {},
}));
vi.mock("./prompts-resources", () => ({
  subscribeResource: (_ctx: unknown, _a: unknown, who: { session: string; tokenId: string }, ref: { uri: string }) =>
    during.subscribing(who, ref.uri),
}));

const listenBody = (uris: string[]) => ({
  jsonrpc: "2.0",
  id: 1,
  method: "subscriptions/listen",
  params: {
    notifications: { resourceSubscriptions: uris },
    _meta: {
      "io.modelcontextprotocol/protocolVersion": "2026-07-28",
      "io.modelcontextprotocol/clientCapabilities": {},
    },
  },
});

describe("a listen stream that names resources", () => {
  it("whose client leaves while its subscriptions are made leaves none behind (found in review)", async () => {
    const { client, upstream } = await subscribableServer();
    const leaving = new AbortController();
    let made = 0;
    during.subscribing = async (who, uri) => {
      made++;
      // The client goes away while the gateway is still subscribing: the subscription is
      // recorded after the stream has already ended.
      if (made === 2) leaving.abort();
      await subscribe(who, uri, client);
    };
    const exchange = exchangeFromRequest(
      new Request("http://gateway.test/api/mcp/g", { method: "POST", signal: leaving.signal }),
    );
    const tokenId = `t-${crypto.randomUUID()}`;
    const scope = { tokenId, ctx: {}, assignments: [] } as unknown as GatewayScope;
    const never = () => {
      throw new Error("no handler is reached for a stream whose client left");
    };
    const answer = await serveListen(exchange, listenBody(["demo://a", "demo://b", "demo://c"]), scope, {
      stillAllowed: async () => true,
      authInfo: {},
      handlers: { gateway: { fetch: never } as never, own: never },
      subscribable: true,
    });
    expect(answer).toEqual({ status: 499 });
    expect(made).toBe(2);
    expect(upstream.size).toBe(0);
    expect(streamsOfToken(tokenId)).toBe(0);
  });

  it("sent without the revision's headers is the SDK's to refuse: no server is asked to subscribe", async () => {
    let made = 0;
    during.subscribing = async () => {
      made++;
    };
    const exchange = exchangeFromRequest(new Request("http://gateway.test/api/mcp/g", { method: "POST" }));
    const seen: unknown[] = [];
    const gateway = {
      fetch: async (_request: Request, options: { parsedBody: unknown }) => {
        seen.push(options.parsedBody);
        return Response.json({ refused: true });
      },
    };
    const scope = { tokenId: `t-${crypto.randomUUID()}`, ctx: {}, assignments: [] } as unknown as GatewayScope;
    await serveListen(exchange, listenBody(["demo://a"]), scope, {
      stillAllowed: async () => true,
      authInfo: {},
      handlers: { gateway: gateway as never, own: () => ({}) as never },
      subscribable: false,
    });
    expect(made).toBe(0);
    // Passed on with no resources, so none could be acknowledged either.
    expect(seen).toEqual([
      expect.objectContaining({ params: expect.objectContaining({ notifications: { resourceSubscriptions: [] } }) }),
    ]);
  });
});
