/**
 * What a credential's sealed payload holds. Local servers use `env` (the values a person
 * entered at install); remote servers use `headers` (a static key) or `oauth` (tokens).
 */
export interface CredentialSecret {
  env?: Record<string, string>;
  headers?: Record<string, string>;
  oauth?: {
    accessToken: string;
    refreshToken?: string;
    /** Epoch milliseconds. */
    expiresAt?: number;
    tokenType?: string;
    scope?: string;
    /** Where the tokens came from, so they can be refreshed. */
    authorizationServer?: string;
    /** The authorization server's metadata (RFC 8414) as discovered at connection. */
    metadata?: Record<string, unknown>;
    clientId?: string;
    /** The resource indicator (RFC 8707) the tokens are for. */
    resource?: string;
  };
}
