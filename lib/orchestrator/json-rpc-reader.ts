import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { isJsonRpcMessage } from "@/lib/mcp/json-rpc-message";

/**
 * Turns a byte stream of newline-delimited JSON-RPC (an MCP stdio server's stdout) into
 * messages. A bad line is reported and skipped; the stream goes on.
 */
export function jsonRpcReader(onMessage: (m: JSONRPCMessage) => void, onError: (e: Error) => void) {
  let pending: Buffer | undefined;
  return {
    push(chunk: Buffer): void {
      let buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        const end = buffer.indexOf(10);
        if (end === -1) break;
        const line = buffer.toString("utf8", 0, end > 0 && buffer[end - 1] === 13 ? end - 1 : end);
        buffer = buffer.subarray(end + 1);
        if (!line.trim()) continue;
        let message: unknown;
        try {
          message = JSON.parse(line);
        } catch (err) {
          onError(err as Error);
          continue;
        }
        if (isJsonRpcMessage(message)) onMessage(message);
        else onError(new Error(`not a JSON-RPC message: ${line.slice(0, 200)}`));
      }
      pending = buffer.length ? buffer : undefined;
    },
    clear: () => {
      pending = undefined;
    },
  };
}
