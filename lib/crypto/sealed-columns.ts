import type { SealContext } from "./seal";

/**
 * Every column that holds a sealed value, and how its row binds the ciphertext. Code that
 * seals or opens one of these uses the context from here, so a value always opens where it
 * was sealed, and key rotation knows every place to re-seal.
 */
export const credentialSecretContext = (row: {
  id: string;
  owner_user_id: string | null;
  owner_team_id: string | null;
}): SealContext => ({
  table: "credentials",
  field: "sealed_secret",
  id: row.id,
  owner: row.owner_user_id ?? row.owner_team_id,
});

export const catalogConfigContext = (row: { id: string }): SealContext => ({
  table: "catalog_items",
  field: "sealed_config",
  id: row.id,
});

export const oauthStateContext = (row: { state: string; user_id: string }): SealContext => ({
  table: "oauth_states",
  field: "sealed_payload",
  id: row.state,
  owner: row.user_id,
});

export const oauthServerModelContext = (row: { model: string; id_hash: string }): SealContext => ({
  table: "oauth_server_models",
  field: "sealed_payload",
  id: `${row.model}/${row.id_hash}`,
});
