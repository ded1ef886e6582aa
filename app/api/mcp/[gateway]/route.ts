import { handleGatewayRequest } from "@/lib/gateway/handle-request";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ gateway: string }> };

// GET/POST/DELETE /api/mcp/:gateway - the MCP endpoint of a gateway (streamable HTTP)
const handle = async (request: Request, { params }: Context) => handleGatewayRequest(request, (await params).gateway);

export { handle as DELETE, handle as GET, handle as POST };
