import { encode as msgpack } from '@msgpack/msgpack';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameDecodeError } from '../frame/frame-errors.js';
import { createMetrics } from '../metrics/metrics.js';
import { FrameConsumer } from '../queue/frame-consumer.js';
import { createRedis, waitUntilReady, type Redis } from '../redis/redis-client.js';
import { startPrivateRedis, type PrivateRedis } from '../testing/redis-server.js';
import { decodeLegacyFrame } from './legacy-frame.js';
import { msgpackNestingDepth } from './msgpack-nesting.js';

const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
  Buffer.alloc(64, 1),
  Buffer.from([0xff, 0xd9]),
]);
const MAX_FRAME_BYTES = 8 * 1024 * 1024;

/** Messages a hostile or broken producer can push to `queue_<type>`, and why each is refused. */
const HOSTILE: [string, Buffer, RegExp][] = [
  // 4 MiB of one-element arrays, each inside the previous one.
  ['deep arrays', Buffer.alloc(4 * 1024 * 1024, 0x91), /nests deeper than 2/],
  // {a: {a: {a: …}}}: maps of one entry, three bytes a level.
  [
    'deep maps',
    Buffer.from(new Array(100_000).fill([0x81, 0xa1, 0x61]).flat()),
    /nests deeper than 2/,
  ],
  // A map32 header announcing 2^32 - 1 entries.
  ['huge map', Buffer.from([0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 0x61, 0xc0]), /map length/],
  [
    'wide map',
    Buffer.from(msgpack(Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])))),
    /map length/,
  ],
  [
    'huge array in a field',
    Buffer.from(msgpack({ name: 'cam', data: Array.from({ length: 10_000 }, () => 0) })),
    /array length/,
  ],
  // A str32 that claims 4 GiB.
  [
    'huge string',
    Buffer.from([0x81, 0xa4, 0x6e, 0x61, 0x6d, 0x65, 0xdb, 0xff, 0xff, 0xff, 0xff]),
    /length/,
  ],
];

function depthOf(value: unknown): number {
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.length === 0 ? 0 : 1 + Math.max(...children.map(depthOf));
}

describe('msgpackNestingDepth', () => {
  it('agrees with the decoded value’s depth for any msgpack value', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 6 }),
        fc.uint8Array({ maxLength: 8 }),
        (value, bytes) => {
          const withBinary = { value, bytes, nested: [[bytes]] };
          const encoded = msgpack(withBinary);
          expect(msgpackNestingDepth(encoded, 100)).toBe(depthOf(withBinary));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('stops reading once the limit is passed', () => {
    expect(msgpackNestingDepth(Buffer.alloc(1_000_000, 0x91), 2)).toBe(Infinity);
    expect(msgpackNestingDepth(msgpack({ a: [1, { b: 2 }] }), 2)).toBe(Infinity);
    expect(msgpackNestingDepth(msgpack({ a: [1, 2] }), 2)).toBe(2);
  });
});

describe('decodeLegacyFrame on hostile input', () => {
  it.each(HOSTILE)('refuses %s with a FrameDecodeError', (_what, message, reason) => {
    let caught: unknown;
    try {
      decodeLegacyFrame(message, 'people', 0, MAX_FRAME_BYTES);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FrameDecodeError);
    expect((caught as Error).message).toMatch(reason);
  });
});

describe('a worker’s consumer fed hostile legacy messages', () => {
  let server: PrivateRedis;
  let redis: Redis;
  beforeAll(async () => {
    server = await startPrivateRedis();
    redis = createRedis({ url: server.url });
    await waitUntilReady(redis);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('counts each as a decode error, skips it, and takes the good frame behind them', async () => {
    const metrics = createMetrics({ service: 'test', defaultMetrics: false });
    const rejected: string[] = [];
    const consumer = new FrameConsumer({
      redis,
      type: 'people',
      metrics,
      onRejected: (error) => rejected.push(error.message),
    });
    await redis.rpush('queue_people', ...HOSTILE.map(([, message]) => message));
    await redis.rpush(
      'queue_people',
      Buffer.from(msgpack({ name: 'legacy-cam', category: 'people', data: JPEG })),
    );
    const taken = await consumer.pop(5000);
    expect(taken).toMatchObject({ source: 'legacy', frame: { streamId: 'legacy-cam' } });
    expect(rejected).toHaveLength(HOSTILE.length);
    HOSTILE.forEach(([, , reason], i) => expect(rejected[i]).toMatch(reason));
    const counted = (await metrics.errors.get()).values.find((v) => v.labels.kind === 'decode');
    expect(counted?.value).toBe(HOSTILE.length);
    await consumer.close();
  });
});
