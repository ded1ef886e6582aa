import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

/** Timestamps are written by the database and read back as Date. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;
/** A JSON column with a database default: optional on insert. */
type JsonWithDefault<T> = ColumnType<T, string | undefined, string>;

export type UserRole = "admin" | "member";
export type TeamRole = "admin" | "member";
export type CredentialScope = "personal" | "team";
export type CredentialStatus = "active" | "expiring" | "needs_reauth" | "revoked" | "error";
export type CatalogKind = "local" | "remote";
export type LocalTransport = "stdio" | "http";
export type RemoteAuthKind = "none" | "header" | "oauth";
export type RuntimeKind = "process" | "kubernetes";
export type InstanceStatus = "pending" | "starting" | "running" | "crash_looping" | "failed" | "stopped";
export type CredentialMode = "static" | "call_time";
export type TokenKind = "user" | "team" | "org";

/** One variable a local server reads from its environment, as the catalog describes it. */
export interface EnvVarSpec {
  name: string;
  secret: boolean;
  required: boolean;
  default?: string;
  description?: string;
  /** Asked of the person at install time (otherwise the default is used). */
  prompt: boolean;
}

/** A tool as discovered from the server's tools/list. */
/** A tool as its server described it: every field it sent is kept and passed on to clients. */
export interface DiscoveredTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: unknown;
  outputSchema?: unknown;
  annotations?: unknown;
  [field: string]: unknown;
}

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  password_hash: string | null;
  role: UserRole;
  oidc_subject: string | null;
  disabled_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  /** Moves on at sign-out and on a password, role or disabled change; older session cookies stop working. */
  session_version: Generated<number>;
}

export interface TeamsTable {
  id: Generated<string>;
  name: string;
  slug: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface TeamMembersTable {
  team_id: string;
  user_id: string;
  role: TeamRole;
  created_at: CreatedAt;
}

/** A team admin's invitation; the person is not a member until they accept (migration 0006). */
export interface TeamInvitationsTable {
  id: Generated<string>;
  team_id: string;
  user_id: string;
  role: TeamRole;
  invited_by: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

export interface CatalogItemsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  description: Generated<string>;
  kind: CatalogKind;
  // local servers
  command: string | null;
  args: JsonWithDefault<string[]>;
  image: string | null;
  image_pull_secret: string | null;
  transport: LocalTransport | null;
  http_port: number | null;
  http_path: string | null;
  env_schema: JsonWithDefault<EnvVarSpec[]>;
  // remote servers
  url: string | null;
  auth_kind: RemoteAuthKind | null;
  /** Non-secret auth settings: header name, OAuth client id, scopes. */
  auth_config: JsonWithDefault<Record<string, unknown>>;
  /** Secret auth settings (e.g. a pre-registered OAuth client secret), sealed. */
  sealed_config: string | null;
  tools: JsonWithDefault<DiscoveredTool[]>;
  tools_discovered_at: Timestamp | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface CredentialsTable {
  id: string;
  catalog_item_id: string;
  scope: CredentialScope;
  owner_user_id: string | null;
  owner_team_id: string | null;
  label: Generated<string>;
  /** Env values, API key or OAuth tokens, sealed and bound to this row. */
  sealed_secret: string;
  status: CredentialStatus;
  status_reason: string | null;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  revoked_at: Timestamp | null;
  /** Personal credentials: may team tokens (and the org token) use it? Default true (migration 0006). */
  team_use: Generated<boolean>;
  /** While set and in the future, one replica is refreshing this credential's OAuth tokens. */
  refresh_lease_until: Timestamp | null;
}

export interface OauthStatesTable {
  state: string;
  user_id: string;
  catalog_item_id: string;
  credential_scope: CredentialScope;
  owner_team_id: string | null;
  redirect_uri: string;
  /** PKCE verifier and client registration, sealed and bound to the state. */
  sealed_payload: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface RuntimeInstancesTable {
  id: Generated<string>;
  catalog_item_id: string;
  credential_id: string;
  runtime: RuntimeKind;
  /** Kubernetes resource name or process label; DNS-1123, at most 63 characters. */
  name: string;
  desired_state: "running" | "stopped";
  status: InstanceStatus;
  status_reason: string | null;
  last_exit_code: number | null;
  restart_count: Generated<number>;
  started_at: Timestamp | null;
  /** The app replica that owns the instance's stdio stream, and until when. */
  owner_replica: string | null;
  lease_expires_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface GatewaysTable {
  id: Generated<string>;
  slug: string;
  name: string;
  description: Generated<string>;
  owner_team_id: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface GatewayToolAssignmentsTable {
  id: Generated<string>;
  gateway_id: string;
  catalog_item_id: string;
  /** null = every tool the server offers. */
  tools: Json<string[] | null>;
  /** null = "<server>__"; "" = no prefix. */
  prefix: string | null;
  credential_mode: CredentialMode;
  static_credential_id: string | null;
  /** Its place in the gateway's list as saved (see migration 0004). */
  position: Generated<number>;
  /** Prompts exposed, by the server's names: null = all (rows older than migration 0008), [] = none. */
  prompts: JsonWithDefault<string[] | null>;
  /** Resources exposed, by the server's URIs and URI templates: null = all, [] = none. */
  resources: JsonWithDefault<string[] | null>;
  created_at: CreatedAt;
}

export interface AccessTokensTable {
  id: Generated<string>;
  kind: TokenKind;
  user_id: string | null;
  team_id: string | null;
  name: string;
  /** Public lookup part of the token, shown in lists. */
  prefix: string;
  /** SHA-256 of the whole token; the token itself is never stored. */
  secret_hash: string;
  created_by: string | null;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  /** A connected app (migration 0012): the authorization server's grant, client and gateway it stands for. */
  oauth_grant_id: string | null;
  oauth_client_id: string | null;
  gateway_id: string | null;
}

export interface AuditEventsTable {
  id: Generated<string>;
  at: CreatedAt;
  action: string;
  outcome: "ok" | "error" | "denied";
  actor_user_id: string | null;
  actor_token_id: string | null;
  token_kind: TokenKind | "session" | null;
  team_id: string | null;
  gateway_id: string | null;
  catalog_item_id: string | null;
  credential_id: string | null;
  tool_name: string | null;
  duration_ms: number | null;
  error: string | null;
  details: JsonWithDefault<Record<string, unknown>>;
}

/** Gateway sessions their clients ended (see migration 0003). */
export interface EndedSessionsTable {
  session_hash: string;
  ended_at: Generated<Date>;
}

/** The app's OAuth authorization server's records (see migration 0011). */
export interface OauthServerModelsTable {
  model: string;
  id_hash: string;
  sealed_payload: string;
  grant_id: string | null;
  uid_hash: string | null;
  user_code_hash: string | null;
  expires_at: Date | null;
  consumed_at: Date | null;
  created_at: Generated<Date>;
}

export interface DB {
  users: UsersTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  team_invitations: TeamInvitationsTable;
  catalog_items: CatalogItemsTable;
  credentials: CredentialsTable;
  oauth_states: OauthStatesTable;
  runtime_instances: RuntimeInstancesTable;
  gateways: GatewaysTable;
  gateway_tool_assignments: GatewayToolAssignmentsTable;
  access_tokens: AccessTokensTable;
  audit_events: AuditEventsTable;
  ended_sessions: EndedSessionsTable;
  oauth_server_models: OauthServerModelsTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type Team = Selectable<TeamsTable>;
export type TeamMember = Selectable<TeamMembersTable>;
export type AccessToken = Selectable<AccessTokensTable>;
export type AuditEvent = Selectable<AuditEventsTable>;
