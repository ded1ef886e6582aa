/** The one scope the app's access tokens for a gateway carry (and that its metadata and 401s name). */
export const GATEWAY_SCOPE = "mcp";
