import type { IncomingMessage, ServerResponse } from "node:http";

export function parseTrustedProxies(value: string | undefined): (address: string, hop: number) => boolean;
export function badTarget(url: string): string | null;
export function settleForwardedHeaders(req: IncomingMessage, trust: (address: string, hop: number) => boolean): void;
export function securityHeaders(options: { secureCookies?: string; publicUrl?: string }): [string, string][];
export function requestEntry(options: {
  trustedProxies?: string;
  secureCookies?: string;
  publicUrl?: string;
}): (req: IncomingMessage, res: ServerResponse) => boolean;
