import { bridgeToAuthorizationServer as handle } from "@/lib/oauth-server/dev-bridge";

export const dynamic = "force-dynamic";

// The authorization server's metadata. The app server answers this path itself
// (lib/oauth-server/front.ts); this route serves `next dev`.
export { handle as GET, handle as OPTIONS };
