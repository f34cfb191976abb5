import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from '../redis/redis-client.js';
import { sampleJpeg } from '../testing/sample-jpeg.js';
import { sampleResult } from '../testing/sample-messages.js';
import { startPrivateRedisWithClient, type PrivateRedis } from '../testing/redis-server.js';
import { ResultBus, type LiveResult } from './result-bus.js';
import { decodeResultMessage, encodeResultMessage, ResultDecodeError } from './result-codec.js';

let server: PrivateRedis;
let redis: Redis;
beforeAll(async () => ({ server, redis } = await startPrivateRedisWithClient()));
afterAll(() => server.stop());

const result = sampleResult;

describe('result codec', () => {
  it('round-trips metadata and leaves the JPEG bytes untouched', () => {
    const jpeg = sampleJpeg();
    const decoded = decodeResultMessage(encodeResultMessage(result('s', 1), jpeg));
    expect(decoded.result).toEqual(result('s', 1));
    expect(Buffer.compare(Buffer.from(decoded.jpeg), jpeg)).toBe(0);
  });
  it('rejects malformed messages with a typed error', () => {
    expect(() => decodeResultMessage(new Uint8Array([1, 2, 3]))).toThrow(ResultDecodeError);
    const good = encodeResultMessage(result('s', 1), new Uint8Array([0xff, 0xd8]));
    expect(() => decodeResultMessage(good.subarray(0, 20))).toThrow(ResultDecodeError);
  });
});

describe('ResultBus', () => {
  it('delivers live results in order to subscribers of a stream, and only that stream', async () => {
    const bus = new ResultBus({ redis, keyPrefix: 'rb1:' });
    const got: LiveResult[] = [];
    const all: string[] = [];
    const one = await bus.subscribe(['cam-a'], (live) => got.push(live));
    const every = await bus.subscribe('*', (live) =>
      all.push(`${live.result.streamId}/${live.result.seq}`),
    );
    const jpeg = sampleJpeg();
    for (let seq = 0; seq < 20; seq++) {
      await bus.publish(result('cam-a', seq), jpeg);
      await bus.publish(result('cam-b', seq), jpeg);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(got.map((l) => l.result.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(got.every((l) => l.result.streamId === 'cam-a')).toBe(true);
    expect(Buffer.compare(Buffer.from(got[0]!.jpeg), jpeg)).toBe(0);
    expect(all).toHaveLength(40);
    await one.close();
    await every.close();
  });

  it('keeps a capped compact log without images, filterable by stream', async () => {
    const bus = new ResultBus({ redis, keyPrefix: 'rb2:', logMaxLen: 50 });
    for (let seq = 0; seq < 300; seq++)
      await bus.publish(result(seq % 2 ? 'odd' : 'even', seq), new Uint8Array([0xff, 0xd8]));
    const length = await redis.xlen('rb2:results:log');
    expect(length).toBeLessThan(300);
    expect(length).toBeGreaterThanOrEqual(50);
    const recent = await bus.recent({ stream: 'odd', limit: 5 });
    expect(recent.map((r) => r.result.seq)).toEqual([299, 297, 295, 293, 291]);
    const entry = (await redis.xrevrange('rb2:results:log', '+', '-', 'COUNT', 1))[0]!;
    expect(entry[1].join(' ').length).toBeLessThan(2000);
  });
});
