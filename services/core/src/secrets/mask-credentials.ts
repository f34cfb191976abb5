/**
 * Camera URLs carry credentials: `rtsp://admin:pass@cam/…`, or, on many MJPEG cameras, in
 * the query (`/video.cgi?user=admin&pwd=…`). Every text that leaves a producer (the stream
 * registry, the API, logs, error messages, ffmpeg's errors that quote the URL) goes through
 * `maskCredentials`, the one masking function of the platform.
 *
 * It works on the text, not on a parsed URL, so that a URL that does not parse (a password
 * with a raw `@`, `/` or `#`), and URLs inside a longer message, are masked too. It errs on
 * the side of masking too much: a `:port/path@…` may be taken for a password.
 */

/** What a masked secret reads as. */
export const MASK = '***';

/**
 * A URL as a token of a longer text: up to whitespace or a character a URL always
 * percent-encodes (`"`, `<`, `>`, `` ` ``). Not up to `'`: it may stand raw in a password.
 */
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s"<>`]+/gi;
const WHOLE_URL = /^[a-z][a-z0-9+.-]*:\/\/[^\r\n]*$/i;
/** scheme:// then the userinfo: everything up to the token's last `@` (greedy). */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)(.*)@/is;
/**
 * A parameter whose name says it holds a credential (`pwd`, `password`, `pass`, `passwd`,
 * `token`, `access_token`, `key`, `apikey`, `auth`, `secret`, `sig`, `credential`,
 * `session`…), in a query, a fragment or a `name=value` list: its value is masked up to the
 * next `&`, `#`, whitespace, `"` or a `:` that ends the URL
 * (`http://cam/v?pwd=x: Connection refused`).
 */
const SECRET_PARAMETER =
  /((?:^|[?&;#\s,])[^=&;#\s"<>?]*(?:pass|pwd|secret|token|key|auth|sig|cred|session)[^=&;#\s"<>?]*=)((?:[^&#\s"<>`:]|:(?!\s|$))*)/gi;

/** Masks passwords of URLs (userinfo and credential parameters) in a URL or any text. */
export function maskCredentials(text: string): string {
  if (!text.includes('://') && !text.includes('=')) return text;
  // A text that is one URL is masked as a whole: its password may hold spaces or quotes.
  const urlsMasked = WHOLE_URL.test(text)
    ? maskUserinfo(text)
    : text.replace(URL_IN_TEXT, maskUserinfo);
  return urlsMasked.replace(SECRET_PARAMETER, (_match, name: string, value: string) =>
    value === '' ? name : `${name}${MASK}`,
  );
}

function maskUserinfo(url: string): string {
  const match = USERINFO.exec(url);
  if (match === null) return url;
  const [whole, scheme, userinfo] = match as unknown as [string, string, string];
  const rest = url.slice(whole.length);
  const colon = userinfo.indexOf(':');
  if (colon >= 0) return `${scheme}${userinfo.slice(0, colon)}:${MASK}@${rest}`;
  // No password: a lone userinfo may be a token (`https://TOKEN@host`); a `/`, `?` or `#`
  // says it is a path or query with an `@` in it instead (`http://cam/snap@2x.jpg`).
  return /[/?#]/.test(userinfo) || userinfo === '' ? url : `${scheme}${MASK}@${rest}`;
}
