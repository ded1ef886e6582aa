import { describe, expect, it } from "vitest";
import { jsonRpcReader } from "./json-rpc-reader";

function read(...chunks: string[]) {
  const messages: unknown[] = [];
  const errors: string[] = [];
  const reader = jsonRpcReader(
    (m) => messages.push(m),
    (e) => errors.push(e.message),
  );
  for (const c of chunks) reader.push(Buffer.from(c));
  return { messages, errors };
}

describe("jsonRpcReader", () => {
  it("splits newline-delimited messages across and within chunks, CRLF included", () => {
    const { messages, errors } = read(
      '{"jsonrpc":"2.0","id":1,"result":{}}\n{"jsonrpc":"2.0","met',
      'hod":"notifications/progress","params":{"progress":1}}\r\n{"jsonrpc":"2.0","id":"a","error":{"code":-1,"message":"x"}}',
      "\n",
    );
    expect(errors).toEqual([]);
    expect(messages).toEqual([
      { jsonrpc: "2.0", id: 1, result: {} },
      { jsonrpc: "2.0", method: "notifications/progress", params: { progress: 1 } },
      { jsonrpc: "2.0", id: "a", error: { code: -1, message: "x" } },
    ]);
  });

  it("keeps multi-byte characters split between chunks intact", () => {
    const bytes = Buffer.from('{"jsonrpc":"2.0","id":1,"result":{"t":"été"}}\n');
    const messages: unknown[] = [];
    const reader = jsonRpcReader(
      (m) => messages.push(m),
      () => {},
    );
    const middleOfE = bytes.indexOf(0xc3) + 1;
    reader.push(bytes.subarray(0, middleOfE));
    reader.push(bytes.subarray(middleOfE));
    expect(messages).toEqual([{ jsonrpc: "2.0", id: 1, result: { t: "été" } }]);
  });

  it("reports and skips lines that are not JSON-RPC, and goes on", () => {
    const { messages, errors } = read(
      "npm notice: starting\n",
      '{"id":1,"result":{}}\n{"jsonrpc":"2.0","id":2}\n',
      '{"jsonrpc":"2.0","method":3}\n{"jsonrpc":"2.0","id":3,"result":{}}\n',
    );
    expect(errors).toHaveLength(4);
    expect(messages).toEqual([{ jsonrpc: "2.0", id: 3, result: {} }]);
  });

  it("drops a line longer than the limit as it arrives, fails its call, and reads the next line", () => {
    const messages: unknown[] = [];
    const errors: string[] = [];
    const reader = jsonRpcReader(
      (m) => messages.push(m),
      (e) => errors.push(e.message),
      { maxLineBytes: 1024 },
    );
    // An SDK server puts the id last: the answer to call 7, 100 MB, in 64 kB chunks.
    reader.push(Buffer.from('{"result":{"content":[{"type":"text","text":"'));
    const chunk = Buffer.alloc(64 * 1024, "x");
    const before = process.memoryUsage().arrayBuffers;
    for (let sent = 0; sent < 100 * 1024 * 1024; sent += chunk.length) reader.push(chunk);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024);
    reader.push(Buffer.from('"}]},"jsonrpc":"2.0","id":7}\n{"jsonrpc":"2.0","id":8,"result":{}}\n'));
    expect(errors).toEqual(["the server sent a message larger than 1024 bytes: dropped"]);
    expect(messages).toEqual([
      {
        jsonrpc: "2.0",
        id: 7,
        error: { code: -32603, message: expect.stringContaining("larger than 1024 bytes") },
      },
      { jsonrpc: "2.0", id: 8, result: {} },
    ]);
  });

  it("fails the call at once when the id comes first, and never for a line that never ends", () => {
    const messages: { id?: unknown }[] = [];
    const reader = jsonRpcReader(
      (m) => messages.push(m as { id?: unknown }),
      () => {},
      { maxLineBytes: 100 },
    );
    reader.push(Buffer.from(`{"jsonrpc":"2.0","id":"a-1","result":{"x":"${"y".repeat(200)}`));
    expect(messages).toEqual([expect.objectContaining({ id: "a-1", error: expect.anything() })]);
    for (let i = 0; i < 1000; i++) reader.push(Buffer.alloc(1000, "y"));
    reader.push(Buffer.from('"}}\n'));
    // Answered once, not again at the end of the line.
    expect(messages).toHaveLength(1);
  });

  it("does not answer for a server's own oversized request, or a line with no id", () => {
    const messages: unknown[] = [];
    const reader = jsonRpcReader(
      (m) => messages.push(m),
      () => {},
      { maxLineBytes: 100 },
    );
    reader.push(
      Buffer.from(`{"method":"sampling/createMessage","params":{"x":"${"y".repeat(200)}"},"jsonrpc":"2.0","id":3}\n`),
    );
    reader.push(Buffer.from(`${"z".repeat(300)}\n`));
    expect(messages).toEqual([]);
  });
});
