import { handleForwardedReply } from "@/lib/gateway/relay-routing";

export const dynamic = "force-dynamic";

// POST /api/internal/relay - a client's reply to a relayed request, forwarded by the replica it reached
export const POST = (request: Request) => handleForwardedReply(request);
