import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from '../redis/redis-client.js';
import { StreamRegistry } from '../registry/stream-registry.js';
import { startPrivateRedisWithClient, type PrivateRedis } from '../testing/redis-server.js';
import { waitFor } from '../testing/wait-for.js';
import { LEGACY_SOURCE, LegacyStreams } from './legacy-streams.js';

let server: PrivateRedis;
let redis: Redis;
beforeAll(async () => ({ server, redis } = await startPrivateRedisWithClient()));
afterAll(() => server.stop());

describe('LegacyStreams', () => {
  it('announces a stream two workers share with its size and its whole rate', async () => {
    const registry = new StreamRegistry({ redis, keyPrefix: 'legacy1:', ttlMs: 60_000 });
    const workers = ['w1', 'w2'].map(
      (host) => new LegacyStreams({ registry, type: 'face', host, intervalMs: 1000 }),
    );
    const t0 = 1_000_000;
    // Each second, 12 frames of 640x480: 7 reach the first worker, 5 the second.
    for (let second = 0; second < 4; second++) {
      const now = t0 + second * 1000;
      for (let k = 0; k < 7; k++) workers[0]!.seen('door', 640, 480, now);
      for (let k = 0; k < 5; k++) workers[1]!.seen('door', 640, 480, now);
      await workers[0]!.flush(now + 1000);
      await workers[1]!.flush(now + 1000);
    }
    const door = await registry.get('door');
    expect(door).toMatchObject({
      id: 'door',
      type: 'face',
      source: LEGACY_SOURCE,
      state: 'live',
      width: 640,
      height: 480,
      frames: 48,
      firstSeen: t0 + 1000,
      lastSeen: t0 + 4000,
    });
    // Not 7 or 5 frames per second: each worker reads the shared counter.
    expect(door!.fps).toBe(12);
  });

  it('writes nothing per frame, only per beat, and forgets streams past the TTL', async () => {
    const registry = new StreamRegistry({ redis, keyPrefix: 'legacy2:', ttlMs: 5000 });
    const streams = new LegacyStreams({ registry, type: 'people', host: 'w', intervalMs: 1000 });
    for (let k = 0; k < 100; k++) streams.seen('cam', 320, 240, 1000);
    expect(await registry.get('cam')).toBeUndefined();
    await streams.flush(2000);
    expect((await registry.get('cam'))?.frames).toBe(100);
    await streams.flush(3000); // nothing new: nothing written, the stream still known
    expect((await registry.get('cam'))?.lastSeen).toBe(2000);
    expect(streams.size).toBe(1);
    await streams.flush(7000);
    expect(streams.size).toBe(0);
  });

  it('announces at most maxStreams names, so made-up names cannot flood the registry', async () => {
    const registry = new StreamRegistry({ redis, keyPrefix: 'legacy3:', ttlMs: 60_000 });
    const streams = new LegacyStreams({ registry, type: 'car', host: 'w', maxStreams: 3 });
    for (let k = 0; k < 50; k++) streams.seen(`fake-${k}`, 8, 8);
    await streams.flush();
    expect((await registry.list()).map((s) => s.id)).toEqual(['fake-0', 'fake-1', 'fake-2']);
  });

  it('lets a stream expire once its frames stop', async () => {
    const registry = new StreamRegistry({ redis, keyPrefix: 'legacy4:', ttlMs: 400 });
    const streams = new LegacyStreams({ registry, type: 'car', host: 'w', intervalMs: 100 });
    streams.start();
    streams.seen('gate', 8, 8);
    await waitFor('the announcement', async () => (await registry.list()).length === 1);
    await waitFor('the expiry', async () => (await registry.list()).length === 0);
    await streams.stop();
  });
});
