import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { requestTarget } from '../http/request-target.js';

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

/** `Bearer <token>`; the scheme is case-insensitive (RFC 9110, 11.1). */
const BEARER = /^bearer[ \t]+(\S.*)$/i;

/**
 * The token of a request: `Authorization: Bearer <t>`, or for websockets, which browsers
 * cannot give headers, the `token` query parameter.
 */
export function presentedToken(request: IncomingMessage, allowQuery: boolean): string | undefined {
  const header = request.headers.authorization;
  const bearer = header === undefined ? null : BEARER.exec(header);
  if (bearer) return bearer[1]!.trim();
  if (!allowQuery) return undefined;
  return requestTarget(request.url)?.query.get('token') ?? undefined;
}
