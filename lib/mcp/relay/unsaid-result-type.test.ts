import { InMemoryTransport, type JSONRPCMessage } from "@modelcontextprotocol/client";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { relayingClient } from "./relaying-client";

/**
 * A 2026-07-28 server that leaves `resultType` out of a complete tool result, as the MCP
 * project's conformance reference server does: played by hand on the wire, since every SDK
 * server adds the field.
 */
function looseModernServer(): InMemoryTransport {
  const [client, server] = InMemoryTransport.createLinkedPair();
  server.onmessage = (message: JSONRPCMessage) => {
    if (!("method" in message) || !("id" in message)) return;
    const answer = (result: Record<string, unknown>) => void server.send({ jsonrpc: "2.0", id: message.id, result });
    if (message.method === "server/discover")
      answer({
        supportedVersions: ["2026-07-28"],
        capabilities: { tools: {} },
        resultType: "complete",
        _meta: { "io.modelcontextprotocol/serverInfo": { name: "loose", version: "1" } },
      });
    else if (message.method === "tools/call") answer({ content: [{ type: "text", text: "done" }] });
  };
  void server.start();
  return client;
}

describe("a 2026-07-28 result that does not say its resultType", () => {
  it("is read as complete, so the call's content reaches the caller instead of an error", async () => {
    const client = relayingClient({ name: "gateway", version: "1" });
    await client.connect(looseModernServer());
    expect(client.getProtocolEra()).toBe("modern");
    const result = await client.request(
      { method: "tools/call", params: { name: "any", arguments: {} } },
      z.looseObject({}),
    );
    expect(result).toMatchObject({ content: [{ type: "text", text: "done" }] });
    await client.close();
  });
});
