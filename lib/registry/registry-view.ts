import type { Database } from "@/db";
import type { DiscoveredTool, EnvVarSpec } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { type ConnectionState, connectionState } from "./connection-state";

export interface RegistryEntry {
  id: string;
  slug: string;
  name: string;
  description: string;
  kind: "local" | "remote";
  authKind: string | null;
  headerName: string | null;
  envSchema: EnvVarSpec[];
  tools: DiscoveredTool[];
  state: ConnectionState;
}

/** The registry as one person sees it: every server, and whether they are connected to it. */
export async function registryView(db: Database, actor: Actor): Promise<RegistryEntry[]> {
  const [items, creds, memberships] = await Promise.all([
    db.selectFrom("catalog_items").selectAll().orderBy("name").execute(),
    db
      .selectFrom("credentials as c")
      .leftJoin("teams as t", "t.id", "c.owner_team_id")
      .select(["c.id", "c.catalog_item_id", "c.owner_user_id", "c.owner_team_id", "c.status", "t.name as team_name"])
      .execute(),
    db.selectFrom("team_members").select("team_id").where("user_id", "=", actor.id).execute(),
  ]);
  const teamIds = memberships.map((m) => m.team_id);
  return items.map((item) => ({
    id: item.id,
    slug: item.slug,
    name: item.name,
    description: item.description,
    kind: item.kind,
    authKind: item.auth_kind,
    headerName: typeof item.auth_config.headerName === "string" ? item.auth_config.headerName : null,
    envSchema: item.env_schema,
    tools: item.tools,
    state: connectionState(
      actor.id,
      teamIds,
      creds.filter((c) => c.catalog_item_id === item.id),
    ),
  }));
}
