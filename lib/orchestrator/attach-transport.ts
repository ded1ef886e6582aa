import { PassThrough, Writable } from "node:stream";
import type { Attach } from "@kubernetes/client-node";
import { type JSONRPCMessage, serializeMessage, type Transport } from "@modelcontextprotocol/client";
import { jsonRpcReader } from "./json-rpc-reader";

interface Socket {
  close(): void;
  on(event: "close", listener: () => void): void;
}

/**
 * An MCP transport over the Kubernetes attach API: a WebSocket to the container's stdin and
 * stdout (channel.k8s.io framing, handled by the client library). No sidecar needed.
 * Shaped as a stdio transport (`pid`, `stderr`) for the MCP client's era probe, as
 * ChildStdioTransport is.
 */
export class AttachTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly stdin = new PassThrough();
  private readonly reader = jsonRpcReader(
    (m) => this.onmessage?.(m),
    (e) => this.onerror?.(e),
  );
  private socket: Socket | null = null;
  private closed = false;

  /** No process of ours: the container's. */
  readonly pid = null;
  readonly stderr = null;

  constructor(
    private readonly attach: Attach,
    private readonly target: { namespace: string; pod: string; container: string },
  ) {}

  async start(): Promise<void> {
    const stdout = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.reader.push(chunk);
        done();
      },
    });
    // stderr is the server's log: the Servers page reads it through the logs API instead.
    const stderr = new Writable({ write: (_chunk, _encoding, done) => done() });
    const { namespace, pod, container } = this.target;
    const socket = (await this.attach.attach(
      namespace,
      pod,
      container,
      stdout,
      stderr,
      this.stdin,
      false,
    )) as unknown as Socket;
    this.socket = socket;
    socket.on("close", () => void this.close());
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) throw new Error("the attach stream is closed");
    this.stdin.write(serializeMessage(message));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stdin.end();
    this.socket?.close();
    this.onclose?.();
  }
}
