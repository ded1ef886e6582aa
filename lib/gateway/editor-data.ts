import type { Database } from "@/db";
import type { DiscoveredTool } from "@/db/schema";
import { isAdmin } from "@/lib/auth/actor";
import type { Gateway, GatewayViewer } from "./gateway-access";
import type { Exposure } from "./schemas";

export interface EditorServer {
  id: string;
  slug: string;
  name: string;
  tools: string[];
  credentials: { id: string; label: string }[];
  current: {
    tools: string[] | null;
    prefix: string | null;
    mode: "static" | "call_time";
    credentialId: string | null;
    /** Prompts and resources it exposes (null: all; []: none). */
    prompts: string[] | null;
    resources: string[] | null;
  } | null;
}

/** What the assignment editor offers this person: every server, and the credentials they may bind. */
export async function gatewayEditorData(
  db: Database,
  viewer: GatewayViewer,
  gateway: Gateway,
): Promise<EditorServer[]> {
  const [items, creds, assignments] = await Promise.all([
    db.selectFrom("catalog_items").select(["id", "slug", "name", "tools"]).orderBy("name").execute(),
    db
      .selectFrom("credentials as c")
      .leftJoin("users as u", "u.id", "c.owner_user_id")
      .leftJoin("teams as t", "t.id", "c.owner_team_id")
      .select([
        "c.id",
        "c.catalog_item_id",
        "c.owner_user_id",
        "c.owner_team_id",
        "c.status",
        "u.name as user_name",
        "t.name as team_name",
      ])
      .where("c.status", "in", ["active", "expiring"])
      .execute(),
    db.selectFrom("gateway_tool_assignments").selectAll().where("gateway_id", "=", gateway.id).execute(),
  ]);
  const mayBind = (c: (typeof creds)[number]) =>
    viewer.kind === "user" &&
    (isAdmin(viewer.actor) ||
      c.owner_user_id === viewer.actor.id ||
      (c.owner_team_id !== null &&
        viewer.adminTeamIds.includes(c.owner_team_id) &&
        c.owner_team_id === gateway.owner_team_id));
  return items.map((item) => {
    const a = assignments.find((x) => x.catalog_item_id === item.id);
    return {
      id: item.id,
      slug: item.slug,
      name: item.name,
      tools: (item.tools as DiscoveredTool[]).map((t) => t.name),
      credentials: creds
        .filter((c) => c.catalog_item_id === item.id && mayBind(c))
        .map((c) => ({ id: c.id, label: c.team_name ? `team ${c.team_name}` : `${c.user_name ?? "someone"}'s` })),
      current: a
        ? {
            tools: a.tools as string[] | null,
            prefix: a.prefix,
            mode: a.credential_mode,
            credentialId: a.static_credential_id,
            prompts: a.prompts ?? null,
            resources: a.resources ?? null,
          }
        : null,
    };
  });
}

/**
 * Pure: a prompts or resources choice from the editor: "auto" (left out, so it follows the
 * tools), "all", "none", or "some" with one name or URI per line.
 */
function exposureFromForm(form: FormData, field: "prompts" | "resources", id: string): Exposure | undefined {
  const choice = String(form.get(`${field}.${id}`) ?? "auto");
  if (choice === "all" || choice === "none") return choice;
  if (choice !== "some") return undefined;
  return String(form.get(`${field}List.${id}`) ?? "")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
}

/** Pure: the editor's form fields back into assignments. */
export function assignmentsFromForm(form: FormData, servers: { id: string }[]) {
  return servers
    .filter((s) => form.get(`include.${s.id}`) === "on")
    .map((s) => {
      const choice = String(form.get(`credential.${s.id}`) ?? "call_time");
      const prefix = String(form.get(`prefix.${s.id}`) ?? "").trim();
      const all = form.get(`all.${s.id}`) === "on";
      return {
        server: s.id,
        tools: all ? null : form.getAll(`tools.${s.id}`).map(String),
        prefix: form.get(`noprefix.${s.id}`) === "on" ? "" : prefix || null,
        mode: choice === "call_time" ? ("call_time" as const) : ("static" as const),
        credentialId: choice === "call_time" ? null : choice,
        prompts: exposureFromForm(form, "prompts", s.id),
        resources: exposureFromForm(form, "resources", s.id),
      };
    });
}
