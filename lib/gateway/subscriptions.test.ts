import { describe, expect, it } from "vitest";
import { resourceUpdated } from "@/lib/mcp/relay/resource-updates";
import { type BusMessage, getReplicaBus } from "@/lib/replica-bus";
import { changeStream } from "./change-stream";
import {
  expireIdleSubscriptions,
  IDLE_EXPIRY_MS,
  MAX_PER_SESSION,
  MAX_PER_TOKEN,
  sessionSeen,
  subscribe,
} from "./subscriptions";
import { subscribableServer } from "@/test/support/mcp-servers";

describe("resource subscriptions of gateway sessions", () => {
  it("a session that subscribes to ever more resources is refused past its limit", async () => {
    const { client, upstream } = await subscribableServer();
    const who = { session: `s-${crypto.randomUUID()}`, tokenId: crypto.randomUUID() };
    for (let i = 0; i < MAX_PER_SESSION; i++) await subscribe(who, `demo://r/${i}`, client);
    await expect(subscribe(who, "demo://r/1000", client)).rejects.toThrow(
      `Too many subscriptions: a session may hold ${MAX_PER_SESSION}`,
    );
    expect(upstream.size).toBe(MAX_PER_SESSION);
    // Subscribing again to one it holds is not one more.
    await subscribe(who, "demo://r/0", client);
    await expireIdleSubscriptions(Date.now() + IDLE_EXPIRY_MS);
  });

  it("a token that spreads subscriptions over many sessions is refused past its limit", async () => {
    const { client } = await subscribableServer();
    const tokenId = crypto.randomUUID();
    const sessions = Math.ceil(MAX_PER_TOKEN / MAX_PER_SESSION);
    for (let s = 0; s < sessions; s++)
      for (let i = 0; i < MAX_PER_SESSION; i++)
        await subscribe({ session: `t-${tokenId}-${s}`, tokenId }, `demo://r/${i}`, client);
    await expect(subscribe({ session: `t-${tokenId}-new`, tokenId }, "demo://r/0", client)).rejects.toThrow(
      `this token's sessions hold ${MAX_PER_TOKEN}`,
    );
    await expireIdleSubscriptions(Date.now() + IDLE_EXPIRY_MS);
  });

  it("expire, upstream too, once the session is neither seen nor streaming here", async () => {
    const { client, upstream } = await subscribableServer();
    const tokenId = crypto.randomUUID();
    const idle = { session: `idle-${tokenId}`, tokenId };
    const busy = { session: `busy-${tokenId}`, tokenId };
    const streaming = { session: `streaming-${tokenId}`, tokenId };
    await subscribe(idle, "demo://r/1", client);
    await subscribe(busy, "demo://r/2", client);
    await subscribe(streaming, "demo://r/3", client);
    const abort = new AbortController();
    changeStream({
      tokenId,
      gatewayId: "g",
      itemIds: new Set(),
      session: streaming.session,
      signal: abort.signal,
      stillAllowed: async () => true,
      maxPerToken: 10,
    });
    const later = Date.now() + IDLE_EXPIRY_MS - 1000;
    sessionSeen(busy.session, later);
    expect(await expireIdleSubscriptions(later + 1000)).toBe(1);
    expect([...upstream].sort()).toEqual(["demo://r/2", "demo://r/3"]);
    // The streaming session is still in use; once its stream closes and time passes, it goes too.
    abort.abort();
    expect(await expireIdleSubscriptions(later + 2 * IDLE_EXPIRY_MS)).toBe(2);
    expect(upstream.size).toBe(0);
  });

  it("pass a server's update on under the server's own URI", async () => {
    const { client, upstream } = await subscribableServer();
    const session = `updates-${crypto.randomUUID()}`;
    const heard: BusMessage[] = [];
    getReplicaBus().subscribe(async (m) => {
      if (m.kind === "resource-updated" && m.session === session) heard.push(m);
    });
    await subscribe({ session, tokenId: crypto.randomUUID() }, "ui://app/view.html", client);
    expect([...upstream]).toContain("ui://app/view.html");
    resourceUpdated(client, "ui://app/view.html");
    resourceUpdated(client, "ui://other/view.html");
    await expect.poll(() => heard.length).toBe(1);
    expect(heard[0]).toEqual({ kind: "resource-updated", session, uri: "ui://app/view.html" });
    await expireIdleSubscriptions(Date.now() + 2 * IDLE_EXPIRY_MS);
  });
});
