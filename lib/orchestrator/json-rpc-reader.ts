import { ReadBuffer } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/**
 * Turns a byte stream of newline-delimited JSON-RPC (an MCP stdio server's stdout) into
 * messages. A bad line is reported and skipped; the stream goes on.
 */
export function jsonRpcReader(onMessage: (m: JSONRPCMessage) => void, onError: (e: Error) => void) {
  const buffer = new ReadBuffer();
  return {
    push(chunk: Buffer): void {
      buffer.append(chunk);
      for (;;) {
        let message: JSONRPCMessage | null;
        try {
          message = buffer.readMessage();
        } catch (err) {
          onError(err as Error);
          continue;
        }
        if (!message) return;
        onMessage(message);
      }
    },
    clear: () => buffer.clear(),
  };
}
