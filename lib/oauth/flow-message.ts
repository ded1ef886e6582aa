import { cookies } from "next/headers";
import { OAUTH_ERROR_COOKIE } from "./finish-flow";

/** The message of a failed sign-in the callback sent the browser back with (`?oauth=failed`), if any. */
export async function oauthFlowMessage(oauth: string | undefined): Promise<string> {
  if (oauth !== "failed") return "";
  return decodeURIComponent((await cookies()).get(OAUTH_ERROR_COOKIE)?.value ?? "");
}
