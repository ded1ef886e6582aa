import { bridgeToAuthorizationServer as handle } from "@/lib/oauth-server/dev-bridge";

export const dynamic = "force-dynamic";

// /oauth/* (but the sign-in and consent page) - the authorization server's endpoints. The app
// server answers these paths itself (lib/oauth-server/front.ts); this route serves `next dev`.
export { handle as GET, handle as POST, handle as OPTIONS };
