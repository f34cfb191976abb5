import type { IncomingMessage } from 'node:http';
import { EiError } from '@ei/core';

/**
 * Which web pages may open a websocket on a gateway that runs without a token. A browser
 * lets any page open a websocket to any address, cookies or not, and tells the server
 * only through `Origin`; without a token to check, `Origin` is what keeps a page on
 * another site from reading the live results of a gateway on the LAN or on loopback.
 */
export class OriginPolicy {
  private readonly allowed: ReadonlySet<string> | 'any' | 'same-origin';

  /**
   * `origins`: the allowed `scheme://host[:port]` values, `['*']` for any page, or
   * undefined for the page's own gateway only (Origin's host is the request's Host).
   */
  constructor(origins: readonly string[] | undefined) {
    if (origins === undefined || origins.length === 0) this.allowed = 'same-origin';
    else if (origins.includes('*')) this.allowed = 'any';
    else this.allowed = new Set(origins.map(normaliseOrigin));
  }

  allows(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    // Only browsers send Origin, and it protects their users: any other client can send
    // whatever it likes, so a request without one is not a page of another site.
    if (origin === undefined) return true;
    if (this.allowed === 'any') return true;
    const lower = origin.toLowerCase();
    if (this.allowed !== 'same-origin') return this.allowed.has(lower);
    const host = request.headers.host?.toLowerCase();
    return host !== undefined && (lower === `http://${host}` || lower === `https://${host}`);
  }
}

/** `http://Host:80/` → `http://host`, as browsers serialise an Origin. */
function normaliseOrigin(origin: string): string {
  const url = URL.canParse(origin) ? new URL(origin) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new EiError(
      'config/invalid',
      `allowed origin "${origin}" is not an origin: write it as http(s)://host[:port], or * for any`,
    );
  }
  return url.origin;
}
