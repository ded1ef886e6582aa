import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { relayingClient } from "@/lib/mcp/relay/relaying-client";
import type { InstanceSpec, Runtime } from "./types";

interface Entry {
  specHash: string;
  client: Promise<Client>;
  /** Connected: the client promise has resolved. */
  ready?: boolean;
}

/**
 * One MCP client per instance, shared by every concurrent call (JSON-RPC ids multiplex them;
 * no one-call-at-a-time lock). A connection that closes, or whose instance was replaced, is
 * opened again on next use.
 */
export class InstanceConnections {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly runtime: Runtime,
    private readonly clientInfo = { name: "mcp-orchestrator", version: "0.1.0" },
  ) {}

  /** The connection already open for this spec, if there is one (not one still connecting). */
  current(spec: InstanceSpec): Promise<Client> | undefined {
    const entry = this.entries.get(spec.name);
    return entry?.ready && entry.specHash === spec.specHash ? entry.client : undefined;
  }

  async client(spec: InstanceSpec): Promise<Client> {
    const current = this.entries.get(spec.name);
    if (current && current.specHash === spec.specHash) return current.client;
    if (current) void current.client.then((c) => c.close()).catch(() => {});
    const entry: Entry = { specHash: spec.specHash, client: this.open(spec) };
    this.entries.set(spec.name, entry);
    entry.client.then(
      () => {
        entry.ready = true;
      },
      () => {
        if (this.entries.get(spec.name) === entry) this.entries.delete(spec.name);
      },
    );
    return entry.client;
  }

  private async open(spec: InstanceSpec): Promise<Client> {
    // Whatever the server asks during a call reaches the calling client.
    const client = relayingClient(this.clientInfo);
    const transport = await this.runtime.connect(spec);
    client.onclose = () => {
      const entry = this.entries.get(spec.name);
      if (entry) void entry.client.then((c) => c === client && this.entries.delete(spec.name)).catch(() => {});
    };
    await client.connect(transport);
    return client;
  }

  async closeAll(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((e) => e.client.then((c) => c.close()).catch(() => {})));
  }
}
