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
    expiresAt?: number;
    tokenType?: string;
    scope?: string;
  };
}
