/**
 * The parts of a request's target that the gateway reads by hand (websocket upgrades and
 * the token of a websocket), taken apart without a parser that throws: `new URL` throws
 * on `//` and `decodeURIComponent` on `%E0%A4%A`, and inside a socket listener a throw
 * would stop the process.
 */
export interface RequestTarget {
  /** Raw path, still percent-encoded. */
  path: string;
  /** Query parameters; malformed percent-encoding is kept as text, never thrown. */
  query: URLSearchParams;
}

/** Splits an origin-form target (`/path?query`); undefined for any other form. */
export function requestTarget(url: string | undefined): RequestTarget | undefined {
  if (url === undefined || !url.startsWith('/')) return undefined;
  const mark = url.indexOf('?');
  if (mark === -1) return { path: url, query: new URLSearchParams() };
  return { path: url.slice(0, mark), query: new URLSearchParams(url.slice(mark + 1)) };
}

/** A percent-decoded path segment, or undefined when its encoding is malformed. */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
