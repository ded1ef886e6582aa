import type { Client } from "@modelcontextprotocol/client";
import { relayingClient } from "@/lib/mcp/relay/relaying-client";
import { connectUpstream } from "@/lib/mcp/upstream-era";
import type { InstanceSpec, ObservedInstance, Runtime } from "./types";

interface Entry {
  specHash: string;
  client: Promise<Client>;
  /** Connected: the client promise has resolved. */
  ready?: boolean;
}

/**
 * Which process or container of an instance runs now: a restart makes a new one, whose era is
 * learned again (it may be another build of the server).
 */
export function incarnationOf(observed: Pick<ObservedInstance, "specHash" | "startedAt" | "restartCount">): string {
  return `${observed.specHash ?? ""}|${observed.startedAt?.getTime() ?? 0}|${observed.restartCount}`;
}

/**
 * One MCP client per instance, shared by every concurrent call (JSON-RPC ids multiplex them;
 * no one-call-at-a-time lock). A connection that closes, or whose instance was replaced, is
 * opened again on next use. Each connection speaks the server's best era (see upstream-era.ts):
 * a new connection to the same process adopts what was learned, one to a restarted process
 * probes again.
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

  /** The instance's connection; `incarnation` names the process or container it runs as now. */
  async client(spec: InstanceSpec, incarnation = spec.specHash): Promise<Client> {
    const current = this.entries.get(spec.name);
    if (current && current.specHash === spec.specHash) return current.client;
    if (current) void current.client.then((c) => c.close()).catch(() => {});
    const entry: Entry = { specHash: spec.specHash, client: this.open(spec, incarnation) };
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

  private async open(spec: InstanceSpec, incarnation: string): Promise<Client> {
    // Whatever the server asks during a call reaches the calling client.
    const client = relayingClient(this.clientInfo);
    const transport = await this.runtime.connect(spec);
    client.onclose = () => {
      const entry = this.entries.get(spec.name);
      if (entry) void entry.client.then((c) => c === client && this.entries.delete(spec.name)).catch(() => {});
    };
    await connectUpstream(client, transport, { key: `instance:${spec.name}`, incarnation });
    return client;
  }

  async closeAll(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((e) => e.client.then((c) => c.close()).catch(() => {})));
  }
}
