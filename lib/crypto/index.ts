export {
  addKeyVersion,
  formatKeyring,
  generateKey,
  type Keyring,
  KeyringError,
  loadOrCreateKeyringFile,
  parseKeyring,
} from "./keyring";
export {
  DecryptError,
  type DecryptErrorCode,
  open,
  openJson,
  resealIfStale,
  type SealContext,
  seal,
  sealedKeyVersion,
  sealJson,
} from "./seal";
export { type ReencryptResult, reencryptAll } from "./reencrypt";
export { sameSecret } from "./same-secret";
export { catalogConfigContext, credentialSecretContext, oauthStateContext } from "./sealed-columns";
