import { handleForwardedRequest } from "@/lib/orchestrator/handle-forwarded";

export const dynamic = "force-dynamic";

// POST /api/internal/instances/:id/mcp - calls forwarded by another replica to the owner of a stdio pod's stream
const handle = async (request: Request, { params }: { params: Promise<{ id: string }> }) =>
  handleForwardedRequest(request, (await params).id);

export { handle as GET, handle as POST };
