import { exchangeFromRequest, toResponse } from "@/lib/gateway/exchange";
import { handleGatewayRequest } from "@/lib/gateway/handle-request";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ gateway: string }> };

// GET/POST/DELETE /api/mcp/:gateway - the MCP endpoint of a gateway (streamable HTTP). The app
// server answers this path itself (lib/gateway/node-front.ts); this route serves `next dev`.
const handle = async (request: Request, { params }: Context) =>
  toResponse(await handleGatewayRequest(exchangeFromRequest(request), (await params).gateway));

export { handle as DELETE, handle as GET, handle as POST };
