/**
 * The one check on where the app may send a browser after sign-in: a path on this app, never
 * another site. Browsers forgive a lot in a Location header (they drop tabs and newlines, read
 * `\` as `/`, and take `//host` or `https:host` as another host), so the value is refused when
 * it holds anything a browser would reinterpret, then resolved against the app's own origin and
 * kept only when the origin did not change. What is returned is the resolved path, never the
 * raw input.
 */
const APP_ORIGIN = "http://app.invalid";
const MAX_LENGTH = 2048;
// C0 controls, DEL, and the C1 range; backslash is read as a slash by browsers.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters refused.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\\]/;

function looksSafe(value: string): boolean {
  return value.startsWith("/") && !value.startsWith("//") && !UNSAFE.test(value);
}

/**
 * Safe as it stands and after one more round of percent-decoding: a later layer that decodes
 * the value again (`/%2F%2Fevil.example`, `/%09/evil.example`) must not find a way out either.
 */
function staysSafe(value: string): boolean {
  if (!looksSafe(value)) return false;
  try {
    return looksSafe(decodeURIComponent(value));
  } catch {
    return false;
  }
}

/** A same-app path to redirect to (path, query and fragment), or `fallback`. */
export function safeCallbackPath(value: unknown, fallback = "/"): string {
  if (typeof value !== "string" || value.length > MAX_LENGTH || !staysSafe(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, APP_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== APP_ORIGIN) return fallback;
  // Dot segments can collapse into a leading `//` (`/.//evil.example`): a scheme-relative URL.
  const path = `${url.pathname}${url.search}${url.hash}`;
  return staysSafe(path) ? path : fallback;
}
