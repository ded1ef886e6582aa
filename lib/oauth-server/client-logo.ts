import { type EgressAllow, NO_EXCEPTIONS } from "@/lib/http/egress-policy";
import { outboundFetch } from "@/lib/http/outbound";
import { sharedCache } from "@/lib/ttl-cache";

/**
 * A client's logo for the consent page, as a data: URI: pages load images only from the app
 * (img-src 'self' data:), and the browser never contacts the client's server (which would learn
 * who is looking). Fetched like the metadata document it comes from (public addresses only, a
 * timeout, 64 KiB at most), raster images only, kept for an hour; null when it cannot be shown.
 */
const MAX_LOGO_BYTES = 64 * 1024;
const TYPES = new Set(["image/png", "image/jpeg", "image/webp", "image/gif"]);
const logos = sharedCache<string, string | null>("oauth-client-logos", 3_600_000, 500);

export async function clientLogo(url: string, allow: EgressAllow = NO_EXCEPTIONS): Promise<string | null> {
  const known = logos().get(url);
  if (known !== undefined) return known;
  let logo: string | null = null;
  try {
    const fetchLogo = outboundFetch({ policy: { ceiling: "public", allow }, maxBodyBytes: MAX_LOGO_BYTES });
    const response = await fetchLogo(url, { redirect: "manual" });
    const type = (response.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    if (response.status === 200 && TYPES.has(type)) {
      const bytes = Buffer.from(await response.arrayBuffer());
      if (bytes.length <= MAX_LOGO_BYTES) logo = `data:${type};base64,${bytes.toString("base64")}`;
    }
  } catch {
    logo = null;
  }
  logos().set(url, logo);
  return logo;
}
