import { readRequestBody } from "@/lib/http/node-web";

/**
 * One HTTP request to a gateway endpoint, as the gateway needs it. Two servers supply it: the
 * app server's front (node:http, lib/gateway/node-front.ts), which carries the traffic, and the
 * Next.js route (app/api/mcp/[gateway]/route.ts), which serves `next dev`.
 */
export interface GatewayExchange {
  method: string;
  /** A request header (lower-case name), or null. */
  header(name: string): string | null;
  /** Aborts when the client goes away before the answer is complete. */
  readonly signal: AbortSignal;
  /**
   * Calls `listener` when the client goes away before the answer is complete (at once if it
   * already has); returns how to stop listening. Cheaper than `signal` where no AbortSignal is
   * needed.
   */
  whenGone(listener: () => void): () => void;
  /** The body, read at most to `limit + 1` bytes so an oversized body is seen without being held. */
  body(limit: number): Promise<Buffer>;
  /** The request as a Fetch Request for the SDK's transport, which is given the parsed body. */
  request(): Request;
}

/** An answer with a JSON body (or none), which either server writes in its own way. */
export interface JsonAnswer {
  status: number;
  json?: unknown;
  headers?: Record<string, string>;
}

/** The largest request body a gateway endpoint reads. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A JSON-RPC error answered at the edge, before any request id is known. */
export const jsonRpcError = (
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
): JsonAnswer => ({
  status,
  json: { jsonrpc: "2.0", error: { code, message }, id: null },
  headers,
});

/** What the gateway answers: plain JSON, or a Fetch Response (event streams, the SDK's answers). */
export type GatewayAnswer = JsonAnswer | Response;

export function exchangeFromRequest(request: Request): GatewayExchange {
  return {
    method: request.method,
    header: (name) => request.headers.get(name),
    signal: request.signal,
    whenGone: (listener) => {
      if (request.signal.aborted) {
        listener();
        return () => {};
      }
      request.signal.addEventListener("abort", listener, { once: true });
      return () => request.signal.removeEventListener("abort", listener);
    },
    body: (limit) => readRequestBody(request, limit),
    request: () => request,
  };
}

export function toResponse(answer: GatewayAnswer): Response {
  if (answer instanceof Response) return answer;
  if (answer.json === undefined) return new Response(null, { status: answer.status, headers: answer.headers });
  return Response.json(answer.json, { status: answer.status, headers: answer.headers });
}
