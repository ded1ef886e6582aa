import path from "node:path";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { expect, test } from "@playwright/test";
import { addLocalServer, ADMIN, api, tokenFor } from "./support";

const bin = (name: string) => path.resolve("node_modules/.bin", name);

async function mcp(url: string, token: string): Promise<Client> {
  const client = new Client({ name: "e2e", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
  );
  return client;
}

/** The MCP Apps example server's tool, and the `ui://` resource that holds its view. */
const APP_VIEW = "ui://get-time/mcp-app.html";

test.describe
  .serial("resources pass through a gateway as their servers name them", () => {
    let admin = "";
    let url = "";

    test("set up: server-everything and an MCP Apps server behind one gateway", async ({ baseURL }) => {
      const base = baseURL ?? "";
      admin = await tokenFor(base, ADMIN.email, ADMIN.password);
      const everything = await addLocalServer(base, admin, {
        name: "Everything (resources)",
        slug: "res-everything",
        command: bin("mcp-server-everything"),
        args: ["stdio"],
      });
      const app = await addLocalServer(base, admin, {
        name: "Basic app",
        slug: "res-app",
        command: bin("mcp-server-basic-vanillajs"),
        args: ["--stdio"],
      });
      await api(base, admin, "POST", "/gateways", { name: "Resources", slug: "res" });
      await api(base, admin, "PUT", "/gateways/res/assignments", {
        assignments: [
          { server: "res-everything", prefix: "ev", mode: "static", credentialId: everything },
          { server: "res-app", prefix: "app", mode: "static", credentialId: app },
        ],
      });
      url = ((await api(base, admin, "GET", "/gateways/res")) as { url: string }).url;
    });

    test("a resource_link a tool returns reads back through the gateway, text and blob", async () => {
      const client = await mcp(url, admin);
      const result = await client.callTool({ name: "ev__get-resource-links", arguments: { count: 2 } });
      const links = (result.content as { type: string; uri?: string }[]).filter((c) => c.type === "resource_link");
      expect(links.map((l) => l.uri)).toEqual(["demo://resource/dynamic/blob/1", "demo://resource/dynamic/text/2"]);
      for (const link of links) {
        const read = await client.readResource({ uri: link.uri ?? "" });
        expect(read.contents).toHaveLength(1);
        expect(read.contents[0]?.uri).toBe(link.uri);
        expect(JSON.stringify(read.contents[0])).toMatch(/"(text|blob)":/);
      }
      await client.close();
    });

    test("an MCP App works: its tool keeps _meta.ui, and the ui:// resource it names reads back whole", async () => {
      const client = await mcp(url, admin);
      const { tools } = await client.listTools();
      const getTime = tools.find((t) => t.name === "app__get-time");
      expect(getTime?._meta).toMatchObject({ ui: { resourceUri: APP_VIEW } });
      const listed = (await client.listResources()).resources.find((r) => r.uri === APP_VIEW);
      expect(listed?.mimeType).toBe("text/html;profile=mcp-app");
      const read = await client.readResource({ uri: APP_VIEW });
      expect(read.contents[0]).toMatchObject({ uri: APP_VIEW, mimeType: "text/html;profile=mcp-app" });
      expect(String((read.contents[0] as { text?: string }).text)).toContain("<html");
      // A tool call still works through the same gateway.
      const time = await client.callTool({ name: "app__get-time", arguments: {} });
      expect(JSON.stringify(time.structuredContent)).toMatch(/"time":"\d{4}-/);
      await client.close();
    });

    test("the same MCP App through a 2026-07-28 client: _meta.ui kept, the view reads back, not-found is -32602", async () => {
      const client = new ModernClient({ name: "apps-2026", version: "1" }, { versionNegotiation: { mode: "auto" } });
      await client.connect(
        new ModernTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${admin}` } } }),
      );
      expect(client.getProtocolEra()).toBe("modern");
      const getTime = (await client.listTools()).tools.find((t) => t.name === "app__get-time");
      expect(getTime?._meta).toMatchObject({ ui: { resourceUri: APP_VIEW } });
      const read = await client.readResource({ uri: APP_VIEW });
      expect(read.contents[0]).toMatchObject({ uri: APP_VIEW, mimeType: "text/html;profile=mcp-app" });
      expect(String((read.contents[0] as { text?: string }).text)).toContain("<html");
      await expect(client.readResource({ uri: "ui://nobody/here.html" })).rejects.toMatchObject({
        code: -32602,
        data: { uri: "ui://nobody/here.html" },
      });
      await client.close();
    });

    test("a read nobody answers gets the revision's not-found code; one the server has also after listing", async () => {
      const client = await mcp(url, admin);
      await expect(client.readResource({ uri: "ui://nobody/here.html" })).rejects.toMatchObject({
        code: -32002,
        data: { uri: "ui://nobody/here.html" },
      });
      // Listed by server-everything, read after a listing of both servers (owner first).
      const { resources } = await client.listResources();
      const doc = resources.find((r) => r.uri.startsWith("demo://resource/static/document/"));
      expect((await client.readResource({ uri: doc?.uri ?? "" })).contents[0]?.uri).toBe(doc?.uri);
      await client.close();
    });
  });
