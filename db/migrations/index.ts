import type { Migration } from "kysely";
import * as m0001 from "./0001_initial";
import * as m0002 from "./0002_audit_action_index";
import * as m0003 from "./0003_ended_sessions";
import * as m0004 from "./0004_assignment_position";
import * as m0005 from "./0005_seeded_instance_dirs";
import * as m0006 from "./0006_invitations_team_use";
import * as m0007 from "./0007_session_version";
import * as m0008 from "./0008_assignment_prompts_resources";
import * as m0009 from "./0009_oauth_refresh_lease";
import * as m0010 from "./0010_audit_keyset_index";
import * as m0011 from "./0011_oauth_server_models";
import * as m0012 from "./0012_connected_apps";

/**
 * Every migration, by name. Listed statically (not read from the folder) so the bundler
 * includes them in the server build. Add new ones at the end with the next number.
 */
export const migrations: Record<string, Migration> = {
  "0001_initial": m0001,
  "0002_audit_action_index": m0002,
  "0003_ended_sessions": m0003,
  "0004_assignment_position": m0004,
  "0005_seeded_instance_dirs": m0005,
  "0006_invitations_team_use": m0006,
  "0007_session_version": m0007,
  "0008_assignment_prompts_resources": m0008,
  "0009_oauth_refresh_lease": m0009,
  "0010_audit_keyset_index": m0010,
  "0011_oauth_server_models": m0011,
  "0012_connected_apps": m0012,
};
