/** MCP streamable HTTP at the wire level, for tests that play the client by hand. */
export type WireMessage = {
  jsonrpc: "2.0";
  id?: string | number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
};

export function postMcp(url: string, token: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify(body),
  });
}

/** The JSON-RPC messages of an event-stream response, as they arrive. */
export async function* sseMessages(response: Response): AsyncGenerator<WireMessage> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event
        .split("\n")
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).trimStart())
        .join("\n");
      if (data) yield JSON.parse(data) as WireMessage;
      end = buffer.indexOf("\n\n");
    }
  }
}

/** Reads messages until one matches. */
export async function nextMatching(
  messages: AsyncGenerator<WireMessage>,
  match: (m: WireMessage) => boolean,
): Promise<WireMessage> {
  for (;;) {
    const { value, done } = await messages.next();
    if (done) throw new Error("the stream ended first");
    if (match(value)) return value;
  }
}
