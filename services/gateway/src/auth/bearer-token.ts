import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Compares a presented token with the configured one in constant time. Both are hashed
 * first, so neither their content nor their length leaks through timing.
 */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The token of a request: `Authorization: Bearer <t>`, or for websockets, which browsers
 * cannot give headers, the `token` query parameter.
 */
export function presentedToken(request: IncomingMessage, allowQuery: boolean): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  if (!allowQuery) return undefined;
  const url = new URL(request.url ?? '/', 'http://gateway');
  return url.searchParams.get('token') ?? undefined;
}
