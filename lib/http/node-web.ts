import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * node:http requests and answers for the endpoints the app server answers itself, ahead of
 * Next.js's router (see scripts/server.mjs), and reading bodies with a limit (node:http messages
 * and Fetch Requests alike).
 */

/** Whether the client went away before the answer was complete, watched from the request's start. */
export interface ClientWatch {
  /**
   * Calls `listener` when the client goes away (at once if it already has); returns how to stop
   * listening. Cheaper than `signal` where no AbortSignal is needed.
   */
  whenGone(listener: () => void): () => void;
  /** Aborts when the client goes away (made on first use). */
  readonly signal: AbortSignal;
}

/** Starts watching a request's client; call it when the request arrives, so no departure is missed. */
export function watchClient(res: ServerResponse): ClientWatch {
  let gone = false;
  const listeners = new Set<() => void>();
  res.once("close", () => {
    if (res.writableFinished) return;
    gone = true;
    for (const listener of listeners) listener();
  });
  let signal: AbortSignal | undefined;
  const watch: ClientWatch = {
    whenGone(listener) {
      if (gone) {
        listener();
        return () => {};
      }
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get signal() {
      if (!signal) {
        const controller = new AbortController();
        watch.whenGone(() => controller.abort());
        signal = controller.signal;
      }
      return signal;
    },
  };
  return watch;
}

/**
 * Reads a message's body, keeping no more than `limit + 1` bytes: more than `limit` tells the
 * caller it was too large. The rest is read and dropped, so the connection stays usable (a client
 * still sending hears the refusal rather than a broken pipe).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = () => {
      req.off("data", onData).off("end", finish).off("error", reject);
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) {
        finish();
        req.resume();
      }
    };
    req.on("data", onData).once("end", finish).once("error", reject);
  });
}

/**
 * A Fetch Request's body, read as readBody reads a message's: no further than the first chunk
 * past `limit` (more than `limit` bytes tells the caller it was too large), the rest cancelled.
 */
export async function readRequestBody(request: Request, limit: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body?.getReader();
  while (reader && size <= limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader?.cancel().catch(() => {});
  return Buffer.concat(chunks);
}

/** The request as a Fetch Request, without its body (read separately). */
export function webRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  return new Request(new URL(req.url ?? "/", "http://localhost"), { method: req.method, headers, signal });
}

/** Writes a JSON answer (or an empty one). */
export function sendJson(res: ServerResponse, status: number, json: unknown, headers?: Record<string, string>): void {
  if (json === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const body = JSON.stringify(json);
  res
    .writeHead(status, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
      ...headers,
    })
    .end(body);
}

/** Writes a Fetch Response, streaming its body chunk by chunk (event streams). */
export async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  const stop = () => void reader.cancel().catch(() => {});
  res.once("close", stop);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } catch {
    // The stream failed, or was cancelled because the client left: nothing more to send.
  } finally {
    res.off("close", stop);
    res.end();
  }
}
