import { encode as msgpack } from '@msgpack/msgpack';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis as IoRedis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../frame/frame-codec.js';
import type { FrameDecodeError } from '../frame/frame-errors.js';
import type { Frame } from '../frame/frame.js';
import { createMetrics } from '../metrics/metrics.js';
import type { Redis } from '../redis/redis-client.js';
import { StreamRegistry } from '../registry/stream-registry.js';
import { startPrivateRedisWithClient, type PrivateRedis } from '../testing/redis-server.js';
import { sampleFrame } from '../testing/sample-messages.js';
import { HOSTILE_LEGACY_MESSAGES } from '../testing/hostile-legacy-messages.js';
import { waitFor } from '../testing/wait-for.js';
import { FrameConsumer, type DequeuedFrame } from './frame-consumer.js';
import { FIFO_DROPS_PER_PUSH, FrameQueue, type QueueStats } from './frame-queue.js';
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
  it.each(['fifo', 'latest'] as const)(
    '%s: keeps every push and take transaction whole when many are issued at once',
    async (policy) => {
      const pipelined = new IoRedis(server.port, '127.0.0.1', { enableAutoPipelining: true });
      const keyPrefix = `ap-${policy}:`;
      const queue = new FrameQueue({
        redis: pipelined,
        type: 'people',
        policy,
        cap: 100,
        keyPrefix,
      });
      await Promise.all(
        Array.from({ length: 50 }, (_, seq) => queue.push(frame(`s${seq % 5}`, seq))),
      );
      const waiting = policy === 'fifo' ? 50 : 5;
      expect(await queue.stats()).toMatchObject({ pushed: 50, dropped: 50 - waiting });
      // Takes on the pipelined connection too, all at once: each frame handed out once.
      const consumers = Array.from(
        { length: 5 },
        () => new FrameConsumer({ redis: pipelined, type: 'people', keyPrefix }),
      );
      const got = await Promise.all(consumers.map((c) => drain(c)));
      const seqs = got.flat().map((d) => d.frame.seq);
      expect(new Set(seqs).size).toBe(waiting);
      expect(seqs.length).toBe(waiting);
      if (policy === 'latest') expect(seqs.sort((a, b) => a - b)).toEqual([45, 46, 47, 48, 49]);
      expect(await queue.stats()).toMatchObject({
        popped: waiting,
        waiting: { fifo: 0, latest: 0 },
      });
      await Promise.all(consumers.map((c) => c.close()));
      pipelined.disconnect();
    },
  );
});

// Queue state cannot leak: orphaned `latest` frames are dropped, the stats hash keeps only
// live streams, and a lowered `fifo` cap is reached in bounded steps. Counters stay exact.

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const PUSHER = fileURLToPath(new URL('../testing/stream-pusher.process.ts', import.meta.url));

/** A producer process pushing frames of `ids`, announced in the registry, until killed. */
async function startPusher(
  keyPrefix: string,
  options: { policy: QueuePolicy; cap: number; orphanAfterMs: number; registryTtlMs: number },
  ids: string[],
): Promise<{ kill(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      ...['--conditions=@ei/source', '--import', 'tsx', PUSHER, server.url, keyPrefix, 'people'],
      ...[options.policy, options.cap, options.orphanAfterMs, options.registryTtlMs].map(String),
      ...ids,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('pushing')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`pusher exited with ${code}`)));
  });
  return {
    kill: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

/** pushed = popped + dropped + waiting, to the frame, per stream and in total. */
function expectExact(stats: QueueStats, popped: number): void {
  const waiting = stats.waiting.latest + stats.waiting.fifo + stats.waiting.lossless;
  expect(stats.popped).toBe(popped);
  expect(stats.pushed).toBe(popped + stats.dropped + waiting);
  const sum = { pushed: stats.retired.pushed, dropped: stats.retired.dropped };
  for (const counters of Object.values(stats.perStream)) {
    sum.pushed += counters.pushed;
    sum.dropped += counters.dropped;
  }
  expect(sum).toEqual({ pushed: stats.pushed, dropped: stats.dropped });
}

describe('latest: orphaned frames', () => {
  it('are dropped and stop counting against cap; a new stream is admitted; counts stay exact', async () => {
    const keyPrefix = `orphans-${randomUUID().slice(0, 8)}:`;
    const orphanAfterMs = 2000;
    const options = { policy: 'latest' as const, cap: 4, orphanAfterMs, registryTtlMs: 5000 };
    const orphans = ['cam-0', 'cam-1', 'cam-2', 'cam-3'];
    const pusher = await startPusher(keyPrefix, options, orphans);
    const queue = new FrameQueue({ redis, type: 'people', keyPrefix, ...options });
    const ready = queue.keys.ready;
    // The producer dies, and so does a worker that had popped every stream's id but had not
    // taken the frames yet: nothing will ever take or push these four frames again.
    await pusher.kill();
    for (let taken = 0; taken < orphans.length;) {
      if ((await redis.blpop(ready, 1)) !== null) taken += 1;
    }
    expect(await redis.llen(ready)).toBe(0);
    expect((await queue.stats()).waiting.latest).toBe(4);

    // Before they are orphans they hold all four places: a new stream is turned away.
    expect(await queue.push(frame('fresh', 0))).toEqual({ status: 'rejected', dropped: 1 });
    // Once their streams pushed nothing for `orphanAfterMs`, they make way for it.
    let seq = 1;
    await waitFor(
      'the new stream admitted',
      async () => (await queue.push(frame('fresh', seq++))).status === 'queued',
      orphanAfterMs + 10_000,
      100,
    );
    // Orphans that the admission left (it drops only those already due) go with the upkeep.
    await waitFor('every orphan dropped', async () => {
      await queue.prune();
      return (await queue.stats()).waiting.latest === 1;
    });
    const slots = await Promise.all(orphans.map((id) => redis.exists(queue.keys.slotPrefix + id)));
    expect(slots).toEqual([0, 0, 0, 0]);

    const stats = await queue.stats();
    expect(stats.waiting.latest).toBe(1);
    expectExact(stats, 0);
    for (const id of orphans) {
      // Every frame of a stream that died with its frame untaken is counted as dropped.
      expect(stats.perStream[id]!.pushed).toBeGreaterThan(0);
      expect(stats.perStream[id]!.dropped).toBe(stats.perStream[id]!.pushed);
    }
    expect(stats.perStream.fresh).toEqual({ pushed: seq, dropped: seq - 1 });

    // The new stream's frame is served, and no stale id of the orphans is left behind.
    const consumer = new FrameConsumer({ redis, type: 'people', keyPrefix });
    const got = await consumer.pop(2000);
    expect(got?.frame).toMatchObject({ streamId: 'fresh', seq: seq - 1 });
    expect(await consumer.pop(200)).toBeNull();
    expect(await redis.llen(ready)).toBe(0);
    expectExact(await queue.stats(), 1);
    await consumer.close();
  });

  it('an orphan no worker came for is dropped with its ready id; workers then find nothing', async () => {
    const keyPrefix = `unserved-${randomUUID().slice(0, 8)}:`;
    const queue = new FrameQueue({
      redis,
      type: 'people',
      policy: 'latest',
      cap: 4,
      keyPrefix,
      orphanAfterMs: 200,
    });
    await queue.push(frame('gone', 0));
    expect(await queue.prune()).toEqual({ orphans: 0, retiredFields: 0 });
    await waitFor('the orphan dropped', async () => (await queue.prune()).orphans === 1);
    const stats = await queue.stats();
    expect(stats).toMatchObject({ pushed: 1, dropped: 1, waiting: { latest: 0 } });
    expectExact(stats, 0);
    expect(await redis.llen(queue.keys.ready)).toBe(0);
    expect(await redis.exists(queue.keys.slotPrefix + 'gone')).toBe(0);
    const consumer = new FrameConsumer({ redis, type: 'people', keyPrefix });
    expect(await consumer.pop(300)).toBeNull();
    await consumer.close();
  });
});

describe('stats of streams gone from the registry', () => {
  for (const policy of ['latest', 'fifo'] as const) {
    it(`${policy}: are folded into retired; totals and pushed = popped + dropped + waiting stay exact`, async () => {
      const keyPrefix = `retire-${policy}-${randomUUID().slice(0, 8)}:`;
      // fifo: a small cap, so frames are dropped and both kinds of counter are retired.
      const cap = policy === 'latest' ? 64 : 16;
      const options = { policy, cap, orphanAfterMs: 30_000, registryTtlMs: 400 };
      const queue = new FrameQueue({ redis, type: 'people', keyPrefix, ...options });
      const consumer = new FrameConsumer({ redis, type: 'people', keyPrefix });
      let popped = 0;
      // Short-lived streams that never announced themselves (tools, tests) and a killed
      // producer's announced streams both leave counters behind.
      for (let i = 0; i < 50; i++) await queue.push(frame(`one-off-${i % 25}`, i));
      const pusher = await startPusher(keyPrefix, options, ['dead-0', 'dead-1']);
      await pusher.kill();
      const registry = new StreamRegistry({ redis, keyPrefix, ttlMs: 60_000 });
      await registry.announce({
        id: 'live',
        type: 'people',
        source: 's',
        state: 'live',
        host: 'h',
      });
      for (let i = 0; i < 5; i++) await queue.push(frame('live', i));
      while ((await consumer.pop(200)) !== null) popped += 1;
      // A stream gone from the registry with a frame still waiting in its `latest` slot keeps
      // its counters until the frame is gone.
      await queue.push(frame('waiting-one', 0));
      const kept = policy === 'latest' ? ['live', 'waiting-one'] : ['live'];

      await waitFor('the killed producer left the registry', async () => {
        const dead = await Promise.all(['dead-0', 'dead-1'].map((id) => registry.get(id)));
        return dead.every((stream) => stream === undefined);
      });
      const before = await queue.stats();
      expect(Object.keys(before.perStream).length).toBeGreaterThan(25);
      expectExact(before, popped);

      const report = await queue.prune();
      const after = await queue.stats();
      expect(Object.keys(after.perStream).sort()).toEqual(kept);
      expect(report.retiredFields).toBeGreaterThan(0);
      expect({ pushed: after.pushed, dropped: after.dropped, popped: after.popped }).toEqual({
        pushed: before.pushed,
        dropped: before.dropped,
        popped: before.popped,
      });
      expect(after.perStream.live).toEqual(before.perStream.live);
      expectExact(after, popped);
      // The hash holds the live streams' fields and the two retired sums, nothing more.
      const fields = await redis.hkeys(queue.keys.stats);
      expect(fields.filter((f) => !kept.includes(f.slice(f.indexOf(':') + 1))).sort()).toEqual([
        'retired:dropped',
        'retired:pushed',
      ]);

      // Counting goes on across pruning: later frames land on top of the retired sums.
      await queue.push(frame('live', 5));
      while ((await consumer.pop(200)) !== null) popped += 1;
      expectExact(await queue.stats(), popped);
      await consumer.close();
    });
  }
});

describe('fifo: a lowered cap', () => {
  it('is reached in bounded steps, every trimmed frame counted as dropped against its stream', async () => {
    const keyPrefix = `trim-${randomUUID().slice(0, 8)}:`;
    const long = new FrameQueue({ redis, type: 'people', policy: 'fifo', cap: 1000, keyPrefix });
    for (let seq = 0; seq < 400; seq++) await long.push(frame(`s${seq % 4}`, seq));
    const short = new FrameQueue({ redis, type: 'people', policy: 'fifo', cap: 10, keyPrefix });
    let length = 400;
    let pushes = 0;
    while (length > 10) {
      const outcome = await short.push(frame('new', pushes));
      pushes += 1;
      // One push drops at most FIFO_DROPS_PER_PUSH frames, whatever the excess.
      expect(outcome.dropped).toBe(Math.min(FIFO_DROPS_PER_PUSH, length + 1 - 10));
      length += 1 - outcome.dropped;
      expect(await redis.llen(short.keys.fifo)).toBe(length);
    }
    expect(pushes).toBe(Math.ceil((400 - 10) / (FIFO_DROPS_PER_PUSH - 1)));
    const stats = await short.stats();
    expect(stats.waiting.fifo).toBe(10);
    expect(stats.dropped).toBe(400 + pushes - 10);
    expectExact(stats, 0);
    // The oldest frames went first: the four old streams lost 100 frames each, and what is
    // left is the newest ten frames.
    for (const id of ['s0', 's1', 's2', 's3']) expect(stats.perStream[id]!.dropped).toBe(100);
    const consumer = new FrameConsumer({ redis, type: 'people', keyPrefix });
    const left: number[] = [];
    for (let next = await consumer.pop(200); next; next = await consumer.pop(200)) {
      left.push(next.frame.seq);
    }
    expect(left).toEqual(Array.from({ length: 10 }, (_, i) => pushes - 10 + i));
    await consumer.close();
  });
});
