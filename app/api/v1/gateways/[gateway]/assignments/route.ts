import { getDb } from "@/db";
import { userViewer } from "@/lib/gateway/gateway-access";
import { liveResourceListing } from "@/lib/gateway/live-resource-listing";
import { saveAssignments } from "@/lib/gateway/save-assignments";
import type { SaveAssignmentsInput } from "@/lib/gateway/schemas";
import { api, readJson, requireApiActor } from "@/lib/http/api";

// PUT /api/v1/gateways/:gateway/assignments - replace the gateway's tool assignments
export const PUT = api(async (request, { params }: { params: Promise<{ gateway: string }> }) => {
  const db = getDb();
  const viewer = await userViewer(db, await requireApiActor(request));
  const count = await saveAssignments(
    db,
    viewer,
    (await params).gateway,
    (await readJson(request)) as SaveAssignmentsInput,
    { listResources: (item, credentialId) => liveResourceListing(db, item, credentialId) },
  );
  return Response.json({ assignments: count });
});
