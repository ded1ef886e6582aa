import { getDb } from "@/db";
import { getKeyring } from "@/lib/app-secrets";
import { recordEvent } from "@/lib/audit/record-event";
import { isAdmin } from "@/lib/auth/actor";
import { reencryptAll } from "@/lib/crypto";
import { forbidden } from "@/lib/errors";
import { api, requireApiActor } from "@/lib/http/api";

// POST /api/v1/admin/reencrypt - re-seal every stored secret under the newest key version (admins)
export const POST = api(async (request) => {
  const actor = await requireApiActor(request);
  if (!isAdmin(actor)) throw forbidden("Only admins can rotate encryption keys.");
  const db = getDb();
  const keyring = getKeyring();
  const result = await reencryptAll(db, keyring);
  await recordEvent(db, {
    action: "keys.reencrypt",
    outcome: "ok",
    actor_user_id: actor.id,
    details: { keyVersion: keyring.current, ...result },
  });
  return Response.json({ keyVersion: keyring.current, ...result });
});
