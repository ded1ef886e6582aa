/**
 * A gateway's endpoint: the URL clients connect to, the `resource` its protected-resource
 * metadata names, and the audience of the app's access tokens for it. One spelling everywhere,
 * so a token's audience and the gateway it is presented to compare exactly.
 */
export function gatewayUrl(origin: string, slug: string): string {
  return `${origin}/api/mcp/${encodeURIComponent(slug)}`;
}

/** The gateway slug a URL names on this origin (spelled as gatewayUrl spells it), or null. */
export function gatewaySlugOf(origin: string, url: string): string | null {
  const prefix = `${origin}/api/mcp/`;
  if (!url.startsWith(prefix)) return null;
  const encoded = url.slice(prefix.length);
  if (!/^[^/?#]+$/.test(encoded)) return null;
  try {
    const slug = decodeURIComponent(encoded);
    return gatewayUrl(origin, slug) === url ? slug : null;
  } catch {
    return null;
  }
}
