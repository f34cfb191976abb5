import { encode as msgpack } from '@msgpack/msgpack';
import { randomUUID } from 'node:crypto';
import { Redis as IoRedis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../frame/frame-codec.js';
import type { FrameDecodeError } from '../frame/frame-errors.js';
import type { Frame } from '../frame/frame.js';
import { createMetrics } from '../metrics/metrics.js';
import type { Redis } from '../redis/redis-client.js';
import { startPrivateRedisWithClient, type PrivateRedis } from '../testing/redis-server.js';
import { sampleFrame } from '../testing/sample-messages.js';
import { HOSTILE_LEGACY_MESSAGES } from '../testing/hostile-legacy-messages.js';
import { FrameConsumer, type DequeuedFrame } from './frame-consumer.js';
import { FrameQueue } from './frame-queue.js';
import type { QueuePolicy } from '../config/config-schema.js';

const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
  Buffer.alloc(64, 1),
  Buffer.from([0xff, 0xd9]),
]);

let server: PrivateRedis;
let redis: Redis;
beforeAll(async () => ({ server, redis } = await startPrivateRedisWithClient()));
afterAll(() => server.stop());

/** Each test gets its own key prefix, so tests never see each other's frames. */
function setup(policy: QueuePolicy, cap: number) {
  const keyPrefix = `t-${randomUUID().slice(0, 8)}:`;
  const queue = new FrameQueue({ redis, type: 'people', policy, cap, keyPrefix });
  const consumers: FrameConsumer[] = [];
  const consumer = (): FrameConsumer => {
    const c = new FrameConsumer({ redis, type: 'people', keyPrefix });
    consumers.push(c);
    return c;
  };
  const close = async (): Promise<void> => {
    await Promise.all(consumers.map((c) => c.close()));
    await queue.close();
  };
  return { queue, consumer, close, keyPrefix };
}

const frame = (streamId: string, seq: number): Frame => sampleFrame(streamId, seq, { data: JPEG });

async function drain(consumer: FrameConsumer, idleMs = 200): Promise<DequeuedFrame[]> {
  const out: DequeuedFrame[] = [];
  for (;;) {
    const next = await consumer.pop(idleMs);
    if (!next) return out;
    out.push(next);
  }
}

describe('FrameQueue fifo', () => {
  it('keeps order and drops the oldest frames beyond the cap, counting each drop', async () => {
    const { queue, consumer, close } = setup('fifo', 5);
    for (let seq = 0; seq < 12; seq++) await queue.push(frame('a', seq));
    const stats = await queue.stats();
    expect(stats).toMatchObject({ pushed: 12, dropped: 7, waiting: { fifo: 5 } });
    expect(stats.perStream.a).toEqual({ pushed: 12, dropped: 7 });
    const got = await drain(consumer());
    expect(got.map((d) => d.frame.seq)).toEqual([7, 8, 9, 10, 11]);
    expect(got.every((d) => d.source === 'fifo')).toBe(true);
    await close();
  });
});

describe('FrameQueue accounting under concurrency', () => {
  for (const policy of ['fifo', 'latest'] as const) {
    it(`${policy}: produced = popped + dropped + waiting, to the frame, with 4 producers and 2 consumers`, async () => {
      const { queue, consumer, close } = setup(policy, 8);
      const consumers = [consumer(), consumer()];
      const popped: DequeuedFrame[] = [];
      let producing = true;
      const consuming = consumers.map(async (c) => {
        while (producing) {
          const next = await c.pop(50);
          if (next) popped.push(next);
        }
      });
      const perProducer = 300;
      await Promise.all(
        ['s0', 's1', 's2', 's3'].map(async (id) => {
          for (let seq = 0; seq < perProducer; seq++) await queue.push(frame(id, seq));
        }),
      );
      producing = false;
      await Promise.all(consuming);
      const stats = await queue.stats();
      const waiting = stats.waiting.fifo + stats.waiting.latest;
      expect(stats.pushed).toBe(4 * perProducer);
      expect(popped.length + stats.dropped + waiting).toBe(4 * perProducer);
      expect(stats.popped).toBe(popped.length);
      // No frame was handed out twice.
      const ids = new Set(popped.map((d) => `${d.frame.streamId}/${d.frame.seq}`));
      expect(ids.size).toBe(popped.length);
      // Per-stream counters add up to the totals.
      const sum = Object.values(stats.perStream).reduce(
        (acc, s) => ({ pushed: acc.pushed + s.pushed, dropped: acc.dropped + s.dropped }),
        {
          pushed: 0,
          dropped: 0,
        },
      );
      expect(sum).toEqual({ pushed: stats.pushed, dropped: stats.dropped });
      await close();
    });
  }
});

describe('FrameQueue latest', () => {
  it("hands out each stream's newest frame and drops the older waiting ones", async () => {
    const { queue, consumer, close } = setup('latest', 64);
    for (let seq = 0; seq < 10; seq++) {
      await queue.push(frame('cam-a', seq));
      await queue.push(frame('cam-b', seq));
    }
    const stats = await queue.stats();
    expect(stats).toMatchObject({ pushed: 20, dropped: 18, waiting: { latest: 2 } });
    const got = await drain(consumer());
    expect(got.map((d) => [d.frame.streamId, d.frame.seq]).sort()).toEqual([
      ['cam-a', 9],
      ['cam-b', 9],
    ]);
    await close();
  });

  it('serves streams fairly: a busy stream does not starve the others', async () => {
    const { queue, consumer, close } = setup('latest', 64);
    const c = consumer();
    const streams = ['s0', 's1', 's2', 's3', 's4', 's5'];
    const served = new Map<string, number>(streams.map((s) => [s, 0]));
    // Every stream always has a frame waiting; s0 pushes ten times as often.
    for (const s of streams) await queue.push(frame(s, 0));
    for (let round = 1; round <= 60; round++) {
      const next = await c.pop(1000);
      expect(next).not.toBeNull();
      served.set(next!.frame.streamId, served.get(next!.frame.streamId)! + 1);
      for (let i = 0; i < 10; i++) await queue.push(frame('s0', round * 10 + i));
      await queue.push(frame(next!.frame.streamId, round));
    }
    // Round robin: each of the 6 streams is served 10 times in 60 pops.
    expect([...served.values()]).toEqual([10, 10, 10, 10, 10, 10]);
    await close();
  });

  it('rejects frames of new streams once `cap` streams are waiting', async () => {
    const { queue, close } = setup('latest', 2);
    expect(await queue.push(frame('x', 0))).toEqual({ status: 'queued', dropped: 0 });
    expect(await queue.push(frame('y', 0))).toEqual({ status: 'queued', dropped: 0 });
    expect(await queue.push(frame('z', 0))).toEqual({ status: 'rejected', dropped: 1 });
    expect(await queue.push(frame('x', 1))).toEqual({ status: 'queued', dropped: 1 });
    expect(await queue.stats()).toMatchObject({ pushed: 4, dropped: 2, waiting: { latest: 2 } });
    await close();
  });

  it('heals a stream whose id was taken by a worker that died before taking the frame', async () => {
    const { queue, consumer, close, keyPrefix } = setup('latest', 8);
    await queue.push(frame('cam', 0));
    // A worker takes the id from the ready list and dies.
    await redis.lpop(`${keyPrefix}q:people:ready`);
    await queue.push(frame('cam', 1));
    const got = await drain(consumer());
    expect(got.map((d) => d.frame.seq)).toEqual([1]);
    await close();
  });
});

describe('FrameQueue lossless', () => {
  it('never drops: a producer waits for space while consumers drain, in order', async () => {
    const { queue, consumer, close } = setup('lossless', 4);
    const c = consumer();
    const total = 60;
    const producing = (async () => {
      for (let seq = 0; seq < total; seq++) await queue.push(frame('file', seq));
    })();
    const got: number[] = [];
    while (got.length < total) {
      const next = await c.pop(2000);
      expect(next).not.toBeNull();
      got.push(next!.frame.seq);
      expect((await queue.stats()).waiting.lossless).toBeLessThanOrEqual(4);
    }
    await producing;
    expect(got).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(await queue.stats()).toMatchObject({ pushed: total, dropped: 0 });
    await close();
  });

  it('a waiting push can be aborted', async () => {
    const { queue, close } = setup('lossless', 1);
    await queue.push(frame('f', 0));
    const controller = new AbortController();
    const pending = queue.push(frame('f', 1), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stopped')), 100);
    await expect(pending).rejects.toThrow('stopped');
    expect(await queue.stats()).toMatchObject({ pushed: 1 });
    await close();
  });
});

/** A consumer that records what it rejects, and the decode errors it counts. */
function rejectingConsumer(keyPrefix: string) {
  const metrics = createMetrics({ service: 'test', defaultMetrics: false });
  const rejected: FrameDecodeError[] = [];
  const consumer = new FrameConsumer({
    redis,
    type: 'people',
    keyPrefix,
    metrics,
    onRejected: (error) => rejected.push(error),
  });
  const decodeErrors = async () =>
    (await metrics.errors.get()).values.find((v) => v.labels.kind === 'decode')?.value;
  return { consumer, rejected, decodeErrors };
}

describe('FrameConsumer', () => {
  it('skips bad messages, counts them as decode errors and goes on', async () => {
    const { queue, close, keyPrefix } = setup('fifo', 100);
    const { consumer: c, rejected, decodeErrors } = rejectingConsumer(keyPrefix);
    const list = `${keyPrefix}q:people:fifo`;
    await redis.rpush(list, Buffer.alloc(64, 0x41));
    await redis.rpush(list, encodeFrame(frame('a', 0)).subarray(0, 40));
    await redis.rpush(list, encodeFrame({ ...frame('a', 1), type: 'car' }));
    await queue.push(frame('a', 2));
    const got = await c.pop(1000);
    expect(got?.frame.seq).toBe(2);
    expect(rejected.map((error) => error.reason)).toEqual(['bad-magic', 'truncated', 'bad-field']);
    expect(await decodeErrors()).toBe(3);
    await c.close();
    await close();
  });

  it('consumes frames of reference-demo producers (msgpack on queue_<type>)', async () => {
    const { close, keyPrefix } = setup('fifo', 10);
    const c = new FrameConsumer({ redis, type: 'people', keyPrefix });
    await redis.del('queue_people');
    await redis.rpush(
      'queue_people',
      Buffer.from(msgpack({ name: 'legacy-cam', category: 'people', data: JPEG })),
    );
    // Python 2 era producers send strings as msgpack str, the JPEG included.
    const rawStr = Buffer.concat([
      Buffer.from([0x83]),
      Buffer.from(msgpack('name')),
      Buffer.from(msgpack('old-cam')),
      Buffer.from(msgpack('category')),
      Buffer.from(msgpack('people')),
      Buffer.from(msgpack('data')),
      Buffer.from([0xd9, JPEG.length]),
      JPEG,
    ]);
    await redis.rpush('queue_people', rawStr);
    const first = await c.pop(1000);
    const second = await c.pop(1000);
    expect(first).toMatchObject({
      source: 'legacy',
      frame: { streamId: 'legacy-cam', type: 'people', seq: 0 },
    });
    expect(Buffer.compare(first!.frame.data, JPEG)).toBe(0);
    expect(second).toMatchObject({ source: 'legacy', frame: { streamId: 'old-cam', seq: 1 } });
    expect(Buffer.compare(second!.frame.data, JPEG)).toBe(0);
    await c.close();
    await close();
  });

  it('counts hostile legacy messages (deep nesting, huge maps) as decode errors and skips them', async () => {
    const { close, keyPrefix } = setup('fifo', 10);
    const { consumer: c, rejected, decodeErrors } = rejectingConsumer(keyPrefix);
    await redis.del('queue_people');
    await redis.rpush('queue_people', ...HOSTILE_LEGACY_MESSAGES.map(([, message]) => message));
    await redis.rpush(
      'queue_people',
      Buffer.from(msgpack({ name: 'legacy-cam', category: 'people', data: JPEG })),
    );
    const taken = await c.pop(5000);
    expect(taken).toMatchObject({ source: 'legacy', frame: { streamId: 'legacy-cam' } });
    expect(rejected).toHaveLength(HOSTILE_LEGACY_MESSAGES.length);
    HOSTILE_LEGACY_MESSAGES.forEach(([, , reason], i) =>
      expect(rejected[i]?.message).toMatch(reason),
    );
    expect(await decodeErrors()).toBe(HOSTILE_LEGACY_MESSAGES.length);
    await c.close();
    await close();
  });

  it('stop() ends a waiting pop at once without taking a frame', async () => {
    const { queue, consumer, close } = setup('fifo', 10);
    const c = consumer();
    const started = Date.now();
    const pending = c.pop(20_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await c.stop();
    expect(await pending).toBeNull();
    expect(Date.now() - started).toBeLessThan(5000);
    await queue.push(frame('a', 0));
    expect((await queue.stats()).waiting.fifo).toBe(1);
    await close();
  });
});

describe('FrameQueue on an auto-pipelined connection', () => {
  it('keeps every push transaction whole when many are issued at once', async () => {
    const pipelined = new IoRedis(server.port, '127.0.0.1', { enableAutoPipelining: true });
    const queue = new FrameQueue({
      redis: pipelined,
      type: 'people',
      policy: 'fifo',
      cap: 100,
      keyPrefix: 'ap:',
    });
    await Promise.all(
      Array.from({ length: 50 }, (_, seq) => queue.push(frame(`s${seq % 5}`, seq))),
    );
    expect(await queue.stats()).toMatchObject({ pushed: 50, dropped: 0, waiting: { fifo: 50 } });
    pipelined.disconnect();
  });
});
