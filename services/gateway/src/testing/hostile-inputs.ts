import fc from 'fast-check';

/**
 * fast-check generators of what a hostile client sends the gateway: request targets with
 * malformed percent-encodings and traversal, odd methods and headers, huge and deeply
 * nested JSON, raw bytes that are barely HTTP, websocket upgrades with every part wrong in
 * turn, and control messages past every limit. Each is plain data; the suite sends it.
 */

/** Path segments: the gateway's own words, traversal, malformed encodings, noise. */
const segment: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.constantFrom(
      'api',
      'API',
      'ws',
      'streams',
      'assets',
      'metrics',
      'healthz',
      'readyz',
      'types',
      'stats',
      'results',
      'events',
      'openapi.json',
      'index.html',
      'cam-1',
      'x.js',
      '',
      '.',
      '..',
      '%2e%2e',
      '..%2f..%2f..%2fetc%2fpasswd',
      '%E0%A4%A',
      '%',
      '%%',
      '%00',
      '%ff',
      '%2F',
      '%5C',
      '\\..\\..',
      '*',
      '%u0041',
      ';jsessionid=1',
      '~',
    ),
  },
  { weight: 3, arbitrary: fc.stringMatching(/^(%[0-9A-Fa-f]?[0-9A-Fa-fG-Zg-z]?){1,6}$/) },
  // Printable ASCII without spaces: what an HTTP client sends verbatim.
  { weight: 3, arbitrary: fc.string({ maxLength: 24 }).map((s) => s.replace(/[\s]/g, '')) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }).map(encodeURIComponent) },
  // Long enough that a few of them pass the 16 KiB limit of a request's head.
  { weight: 1, arbitrary: fc.integer({ min: 2_000, max: 9_000 }).map((n) => 'a'.repeat(n)) },
);

const queryValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('1', '0', '-1', '1000', '1001', 'abc', '1e3', '%E0%A4%A', '%', 'cam-1', ''),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  fc.stringMatching(/^(%[0-9A-Fa-f]?){1,4}$/),
);
const queryKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('limit', 'stream', 'token', '__proto__', 'constructor', 'limit[]', 'stream[a]'),
  fc.string({ minLength: 1, maxLength: 10 }).map(encodeURIComponent),
);
const query: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  {
    weight: 4,
    arbitrary: fc
      .array(fc.tuple(queryKey, queryValue), { minLength: 1, maxLength: 6 })
      .map((pairs) => '?' + pairs.map(([k, v]) => `${k}=${v}`).join('&')),
  },
  // More parameters than the query parser takes (1000).
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1_001, max: 1_200 })
      .map((n) => '?' + Array(n).fill('a=1').join('&')),
  },
);

/** A request target in origin form, as an HTTP client sends it (bytes 0x21-0x7e only). */
export const requestPath: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('/', '//', '/api/', '/ws/', '/ws/streams/', '/assets/', '/api/streams/'),
    fc.array(segment, { maxLength: 6 }),
    query,
  )
  .map(([start, parts, q]) => start + parts.join('/') + q);

/** What may stand in an Authorization header: the token in any case of the scheme, or not. */
export function authorization(token: string): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    {
      weight: 4,
      arbitrary: fc
        .constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR')
        .map((s) => `${s} ${token}`),
    },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        `Bearer ${token}x`,
        `Bearer${token}`,
        `Basic ${Buffer.from(`u:${token}`).toString('base64')}`,
        'Bearer ',
        'Bearer %E0%A4%A',
        'Negotiate abc',
      ),
    },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }).map((s) => `Bearer ${s}`) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 8_000, max: 30_000 }).map((n) => `Bearer ${'t'.repeat(n)}`),
    },
  );
}

/** JSON bodies that are large, deeply nested, or not JSON at all. */
export const hostileBody: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.json({ maxDepth: 4 }), weight: 5 },
  {
    arbitrary: fc.integer({ min: 100, max: 40_000 }).map((d) => '['.repeat(d) + ']'.repeat(d)),
    weight: 2,
  },
  {
    arbitrary: fc
      .integer({ min: 100, max: 40_000 })
      .map((d) => '{"a":'.repeat(d) + '1' + '}'.repeat(d)),
    weight: 2,
  },
  {
    arbitrary: fc
      .integer({ min: 100_000, max: 1_000_000 })
      .map((n) => JSON.stringify({ op: 'x'.repeat(n) })),
    weight: 1,
  },
  {
    arbitrary: fc
      .integer({ min: 1_000, max: 50_000 })
      .map((n) => JSON.stringify(Array(n).fill({ a: [1] }))),
    weight: 1,
  },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }), weight: 3 },
  {
    arbitrary: fc.constantFrom('{', '{"op":', 'null', '"', '\u0000', '{"__proto__":{"a":1}}'),
    weight: 3,
  },
);

export interface HttpCase {
  method: string;
  path: string;
  authorization: string | undefined;
  origin: string | undefined;
  range: string | undefined;
  /** A header over node's 16 KiB limit. */
  bigHeader: boolean;
  body: string | undefined;
}

/** Requests an HTTP client can send: valid HTTP, hostile content. */
export function httpCase(token: string): fc.Arbitrary<HttpCase> {
  return fc.record({
    method: fc.constantFrom(
      'GET',
      'GET',
      'GET',
      'HEAD',
      'POST',
      'PUT',
      'DELETE',
      'OPTIONS',
      'PATCH',
    ),
    path: requestPath,
    authorization: authorization(token),
    origin: fc.option(fc.constantFrom('http://evil.example', 'null', 'http://127.0.0.1'), {
      nil: undefined,
    }),
    range: fc.option(fc.constantFrom('bytes=0-0', 'bytes=99999-', 'bytes=a-b', 'bytes=-1,0-'), {
      nil: undefined,
    }),
    bigHeader: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
    body: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 4 },
      { arbitrary: hostileBody, weight: 1 },
    ),
  });
}

const rawHeaderLine: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'Host: gateway',
    'Host: a\r\nHost: b',
    'Content-Length: 5',
    'Content-Length: -1',
    'Content-Length: 99999999999999999999',
    'Content-Length: 1\r\nContent-Length: 2',
    'Transfer-Encoding: chunked',
    'Transfer-Encoding: chunked\r\nContent-Length: 3',
    'Transfer-Encoding: gzip, chunked',
    'Expect: 100-continue',
    'Connection: keep-alive, Upgrade',
    'Upgrade: h2c',
    ' folded: header',
    ': no-name',
    'No-Colon',
    'X-Nul: a\u0000b',
    'Authorization: Bearer',
  ),
  fc
    .tuple(
      fc.string({ unit: 'binary-ascii', maxLength: 12 }),
      fc.string({ unit: 'binary-ascii', maxLength: 40 }),
    )
    .map(([name, value]) => `${name}: ${value}`),
  fc.integer({ min: 17_000, max: 70_000 }).map((n) => `X-Big: ${'b'.repeat(n)}`),
);

export interface RawRequest {
  bytes: Buffer;
  /** False: the head stops halfway, as a slow or stalled client's does. */
  complete: boolean;
}

/** Bytes that are barely HTTP: what only a raw socket sends. */
export const rawRequest: fc.Arbitrary<RawRequest> = fc
  .record({
    method: fc.oneof(
      fc.constantFrom(
        'GET',
        'POST',
        'HEAD',
        'CONNECT',
        'TRACE',
        'PRI',
        'get',
        'G ET',
        '',
        'M-SEARCH',
      ),
      fc.string({ unit: 'binary-ascii', maxLength: 8 }),
    ),
    target: fc.oneof(
      requestPath,
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.constantFrom('*', 'http://x/api/streams', '//', '/ws/streams/%E0%A4%A', '', '/a b'),
    ),
    version: fc.constantFrom(
      'HTTP/1.1',
      'HTTP/1.1',
      'HTTP/1.0',
      'HTTP/2.0',
      'HTTP/1.1 x',
      '',
      'http/1.1',
    ),
    headers: fc.array(rawHeaderLine, { maxLength: 5 }),
    body: fc.oneof(
      fc.constant(''),
      hostileBody,
      fc.constantFrom('5\r\nhello\r\n0\r\n\r\n', 'zz\r\n', 'ffffffffffffffff\r\n', '0\r\n\r\n'),
    ),
    lineEnd: fc.constantFrom('\r\n', '\r\n', '\n'),
    /** Most end their head and ask to close; some stop halfway (a slow client). */
    complete: fc.constantFrom(true, true, true, true, true, true, true, true, true, false),
  })
  .map(({ method, target, version, headers, body, lineEnd, complete }) => {
    const head = [`${method} ${target} ${version}`, ...headers, 'Connection: close'].join(lineEnd);
    return {
      bytes: Buffer.from(complete ? head + lineEnd + lineEnd + body : head, 'utf8'),
      complete,
    };
  });

export interface UpgradeCase {
  target: string;
  tokenIn: 'header' | 'query' | 'none' | 'wrong';
  method: string;
  upgrade: string;
  key: string | undefined;
  version: string;
  origin: string | undefined;
  /** Bytes after the handshake: frames ws must refuse, or nothing. */
  trailing: Buffer;
}

const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** Websocket upgrades with each part right or wrong. */
export const upgradeCase: fc.Arbitrary<UpgradeCase> = fc.record({
  target: fc.oneof(
    fc.constantFrom(
      '/ws',
      '/ws',
      '/ws/streams/cam-1',
      '/ws/streams/a.b:c-d_e',
      '/ws/',
      '/ws/streams/',
    ),
    fc.constantFrom('//', '/ws/streams/%E0%A4%A', '/ws/streams/%', '/ws/streams/bad%20id', '*'),
    fc.constantFrom(
      '/ws/streams/%2e%2e',
      '/ws/streams/a/b',
      'http://x/ws',
      '/WS',
      '/ws?x=%E0%A4%A',
    ),
    requestPath,
    segment.map((s) => `/ws/streams/${s}`),
  ),
  tokenIn: fc.constantFrom('header', 'header', 'query', 'none', 'wrong'),
  method: fc.constantFrom('GET', 'GET', 'GET', 'GET', 'POST', 'PUT'),
  upgrade: fc.constantFrom('websocket', 'websocket', 'WebSocket', 'h2c', 'websocket, h2c', ''),
  key: fc.constantFrom(WS_KEY, WS_KEY, WS_KEY, undefined, 'short', 'A'.repeat(200), '%%%'),
  version: fc.constantFrom('13', '13', '13', '8', '7', '99', 'x'),
  origin: fc.option(fc.constantFrom('http://evil.example', 'null'), { nil: undefined }),
  trailing: fc.oneof(
    fc.constant(Buffer.alloc(0)),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    // An unmasked text frame: clients must mask (1002).
    fc.constant(Buffer.from([0x81, 0x02, 0x68, 0x69])),
    // A masked frame declaring 2^63 bytes (1009).
    fc.constant(
      Buffer.from([0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]),
    ),
  ),
});

/** The raw bytes of an upgrade case. */
export function upgradeBytes(c: UpgradeCase, token: string): Buffer {
  const query = c.tokenIn === 'query' ? `${c.target.includes('?') ? '&' : '?'}token=${token}` : '';
  const lines = [
    `${c.method} ${c.target}${query} HTTP/1.1`,
    'Host: gateway',
    'Connection: Upgrade',
  ];
  if (c.upgrade) lines.push(`Upgrade: ${c.upgrade}`);
  if (c.key !== undefined) lines.push(`Sec-WebSocket-Key: ${c.key}`);
  lines.push(`Sec-WebSocket-Version: ${c.version}`);
  if (c.tokenIn === 'header') lines.push(`Authorization: Bearer ${token}`);
  if (c.tokenIn === 'wrong') lines.push(`Authorization: Bearer ${token}-wrong`);
  if (c.origin !== undefined) lines.push(`Origin: ${c.origin}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8'), c.trailing]);
}

/** A message a websocket client sends on `/ws`, and how it is sent. */
export type ControlMessage =
  | { kind: 'text'; data: string }
  | { kind: 'binary'; data: Buffer }
  /** A text frame whose bytes are not UTF-8 (1007). */
  | { kind: 'bad-utf8'; data: Buffer };

/** At most 10 messages of 20 ids: under the default cap of 256 unless a flood adds more. */
const streamIds = fc.array(fc.stringMatching(/^[A-Za-z0-9_.:-]{1,12}$/), { maxLength: 20 });

export const controlMessage: fc.Arbitrary<ControlMessage> = fc.oneof(
  fc
    .record({
      op: fc.constantFrom('subscribe', 'unsubscribe'),
      streams: fc.oneof(fc.constant('*'), streamIds),
    })
    .map((m) => ({ kind: 'text' as const, data: JSON.stringify(m) })),
  // A subscribe flood: far more ids than the cap.
  fc.integer({ min: 300, max: 3_000 }).map((n) => ({
    kind: 'text' as const,
    data: JSON.stringify({
      op: 'subscribe',
      streams: Array.from({ length: n }, (_, i) => `s${i}`),
    }),
  })),
  hostileBody.map((data) => ({ kind: 'text' as const, data })),
  fc
    .uint8Array({ maxLength: 100 })
    .map((bytes) => ({ kind: 'binary' as const, data: Buffer.from(bytes) })),
  fc.constant({ kind: 'bad-utf8' as const, data: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }),
);
