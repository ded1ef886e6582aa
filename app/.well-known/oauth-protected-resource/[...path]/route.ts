import { publicOrigin } from "@/lib/http/public-url";
import { GATEWAY_SCOPE } from "@/lib/oauth-server/scope";

export const dynamic = "force-dynamic";

// GET /.well-known/oauth-protected-resource/<resource path> - RFC 9728 metadata for a gateway
export async function GET(request: Request, { params }: { params: Promise<{ path: string[] }> }) {
  const origin = publicOrigin(request.headers);
  const path = (await params).path.map(encodeURIComponent).join("/");
  return Response.json({
    resource: `${origin}/${path}`,
    // The app signs people in for its gateways (lib/oauth-server); its own tokens work too.
    authorization_servers: [origin],
    scopes_supported: [GATEWAY_SCOPE],
    bearer_methods_supported: ["header"],
    resource_name: "MCP Orchestrator gateway",
    resource_documentation: `${origin}/tokens`,
  });
}
