import type { JSONRPCMessage } from "@modelcontextprotocol/client";
import { idOfOversized, isJsonRpcMessage, maxUpstreamMessageBytes, tooLargeAnswer } from "@/lib/mcp/json-rpc-message";

/** How much of an oversized line's start and end is kept to find its id. */
const EDGE = 512;

/** A line over the limit: its first and last bytes, and whether its call was answered. */
interface Skipped {
  head: Buffer;
  tail: Buffer;
  answered: boolean;
}

export interface JsonRpcReaderOptions {
  /** The longest line kept (bytes); longer ones are dropped as they arrive. */
  maxLineBytes?: number;
}

/**
 * Turns a byte stream of newline-delimited JSON-RPC (an MCP stdio server's stdout) into
 * messages. A bad line is reported and skipped; the stream goes on. A line longer than the limit
 * is not kept: its bytes are dropped as they arrive (only its first and last bytes are held, to
 * find its id), the call it answers gets an error answer, and the next line is read as usual.
 */
export function jsonRpcReader(
  onMessage: (m: JSONRPCMessage) => void,
  onError: (e: Error) => void,
  options: JsonRpcReaderOptions = {},
) {
  const max = options.maxLineBytes ?? maxUpstreamMessageBytes();
  let pending: Buffer[] = [];
  let size = 0;
  /** A line over the limit being skipped. */
  let skipping: Skipped | null = null;

  const failCall = (s: Skipped, ended: boolean) => {
    if (s.answered) return;
    const id = idOfOversized(s.head.toString("utf8"), ended ? s.tail.toString("utf8") : "");
    if (id === undefined) return;
    s.answered = true;
    onMessage(tooLargeAnswer(id, max));
  };

  const startSkipping = (first: Buffer): Skipped => {
    const head = Buffer.concat([...pending, first.subarray(0, EDGE)]).subarray(0, EDGE);
    const tail = Buffer.concat([pending.at(-1) ?? Buffer.alloc(0), first]).subarray(-EDGE);
    pending = [];
    size = 0;
    const skipped = { head: Buffer.from(head), tail: Buffer.from(tail), answered: false };
    onError(new Error(`the server sent a message larger than ${max} bytes: dropped`));
    failCall(skipped, false);
    return skipped;
  };

  const keepTail = (s: { tail: Buffer }, more: Buffer) => {
    s.tail = Buffer.from(Buffer.concat([s.tail, more.subarray(-EDGE)]).subarray(-EDGE));
  };

  const handleLine = (bytes: Buffer) => {
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length;
    const line = bytes.toString("utf8", 0, end);
    if (!line.trim()) return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch (err) {
      onError(err as Error);
      return;
    }
    if (isJsonRpcMessage(message)) onMessage(message);
    else onError(new Error(`not a JSON-RPC message: ${line.slice(0, 200)}`));
  };

  return {
    push(chunk: Buffer): void {
      let start = 0;
      for (;;) {
        const end = chunk.indexOf(10, start);
        if (end === -1) break;
        const piece = chunk.subarray(start, end);
        start = end + 1;
        if (skipping) {
          keepTail(skipping, piece);
          failCall(skipping, true);
          skipping = null;
          continue;
        }
        if (size + piece.length > max) {
          failCall(startSkipping(piece), true);
          continue;
        }
        const line = pending.length ? Buffer.concat([...pending, piece]) : piece;
        pending = [];
        size = 0;
        handleLine(line);
      }
      const rest = chunk.subarray(start);
      if (!rest.length) return;
      if (skipping) keepTail(skipping, rest);
      else if (size + rest.length > max) skipping = startSkipping(rest);
      else {
        pending.push(rest);
        size += rest.length;
      }
    },
    clear: () => {
      pending = [];
      size = 0;
      skipping = null;
    },
  };
}
