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
});
