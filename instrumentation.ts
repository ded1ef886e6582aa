// Runs once when the server process starts (Next.js instrumentation hook).
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startServerOrExit } = await import("./lib/startup");
  await startServerOrExit();
  const { installGatewayFront } = await import("./lib/gateway/node-front");
  const { authorizationServerFront } = await import("./lib/oauth-server/front");
  installGatewayFront(authorizationServerFront);
  const { installInternalFront } = await import("./lib/http/internal-front");
  installInternalFront();
  const { installShutdown } = await import("./lib/shutdown");
  installShutdown();
}
