import type { ChildProcess } from "node:child_process";
import { type JSONRPCMessage, serializeMessage, type Transport } from "@modelcontextprotocol/client";
import { jsonRpcReader } from "./json-rpc-reader";

/**
 * An MCP transport over the stdin/stdout of a child process that someone else owns (the
 * process runtime), so the process outlives the connection and can be restarted under it.
 * Closing the transport detaches; it does not kill the process.
 * It has the shape of a stdio transport (`pid`, `stderr`), which the MCP client reads when it
 * probes for the server's era: silence on the probe means a legacy server, not an outage.
 */
export class ChildStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly reader = jsonRpcReader(
    (m) => this.onmessage?.(m),
    (e) => this.onerror?.(e),
  );
  private closed = false;
  private readonly onData = (chunk: Buffer) => this.reader.push(chunk);
  private readonly onExit = () => void this.close();

  constructor(private readonly child: ChildProcess) {}

  get pid(): number | null {
    return this.child.pid ?? null;
  }

  /** The server's log goes to the runtime's log ring, not through the transport. */
  get stderr(): null {
    return null;
  }

  async start(): Promise<void> {
    if (!this.child.stdout || !this.child.stdin || this.child.exitCode !== null) {
      throw new Error("the server process is not running");
    }
    this.child.stdout.on("data", this.onData);
    this.child.once("exit", this.onExit);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child.stdin;
    if (this.closed || !stdin || stdin.destroyed) throw new Error("the server process is not running");
    // Messages sent in the same turn of the event loop go out in one write (calls arriving
    // together under load), instead of one system call each.
    if (!stdin.writableCorked) {
      stdin.cork();
      setImmediate(() => stdin.uncork());
    }
    await new Promise<void>((resolve, reject) => {
      if (stdin.write(serializeMessage(message), (err) => (err ? reject(err) : undefined))) resolve();
      else stdin.once("drain", resolve);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.child.stdout?.off("data", this.onData);
    this.child.off("exit", this.onExit);
    this.reader.clear();
    this.onclose?.();
  }
}
