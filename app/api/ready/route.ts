import { readiness as checkReadiness } from "@/lib/startup";

export const dynamic = "force-dynamic";

// GET /api/ready - the database answers and every migration is applied; 503 with the reason otherwise
export async function GET() {
  const readiness = await checkReadiness();
  return readiness.ready
    ? Response.json({ status: "ready" })
    : Response.json({ status: "not_ready", reason: readiness.reason }, { status: 503 });
}
