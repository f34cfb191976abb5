import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from '../redis/redis-client.js';
import { startPrivateRedisWithClient, type PrivateRedis } from '../testing/redis-server.js';
import { StreamRegistry } from './stream-registry.js';

let server: PrivateRedis;
let redis: Redis;
beforeAll(async () => ({ server, redis } = await startPrivateRedisWithClient()));
afterAll(() => server.stop());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('StreamRegistry', () => {
  it('lists announced streams with their metadata and first/last seen times', async () => {
    const registry = new StreamRegistry({ redis, keyPrefix: 'reg1:', ttlMs: 5000 });
    await registry.announce(
      {
        id: 'cam-1',
        type: 'people',
        source: 'rtsp://admin:secret@10.0.0.5/live',
        state: 'live',
        host: 'edge-1',
        width: 640,
        height: 480,
        fps: 15,
      },
      1000,
    );
    await registry.announce(
      {
        id: 'cam-1',
        type: 'people',
        source: 'rtsp://admin:secret@10.0.0.5/live',
        state: 'retrying',
        host: 'edge-1',
        lastError: 'EOF',
      },
      2000,
    );
    await registry.announce(
      { id: 'a-file', type: 'car', source: '/videos/x.mp4', state: 'connecting', host: 'edge-2' },
      2000,
    );
    const streams = await registry.list(2500);
    expect(streams.map((s) => s.id)).toEqual(['a-file', 'cam-1']);
    expect(streams[1]).toMatchObject({
      type: 'people',
      state: 'retrying',
      lastError: 'EOF',
      width: 640,
      fps: 15,
      host: 'edge-1',
      firstSeen: 1000,
      lastSeen: 2000,
      source: 'rtsp://admin:***@10.0.0.5/live',
    });
    expect(streams[0]?.lastError).toBeUndefined();
  });

  it('forgets a stream whose heartbeats stop, and keeps one that beats', async () => {
    const registry = new StreamRegistry({ redis, keyPrefix: 'reg2:', ttlMs: 400 });
    const alive = registry.keepAlive(
      { id: 'alive', type: 'people', source: 'x', state: 'live', host: 'h' },
      100,
    );
    const dead = registry.keepAlive(
      { id: 'dead', type: 'people', source: 'y', state: 'live', host: 'h' },
      100,
    );
    await sleep(150);
    expect((await registry.list()).map((s) => s.id)).toEqual(['alive', 'dead']);
    await dead.stop(false); // the producer dies: no removal, just silence
    await sleep(700);
    expect((await registry.list()).map((s) => s.id)).toEqual(['alive']);
    expect(await redis.zcard('reg2:streams')).toBe(1);
    alive.update({ state: 'retrying', lastError: 'connection refused' });
    await sleep(50);
    expect(await registry.get('alive')).toMatchObject({
      state: 'retrying',
      lastError: 'connection refused',
    });
    await alive.stop();
    expect(await registry.list()).toEqual([]);
  });
});
