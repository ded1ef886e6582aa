// GET /api/health - the process is alive (no dependencies checked)
export const dynamic = "force-dynamic";

export function GET() {
  return Response.json({ status: "ok" });
}
