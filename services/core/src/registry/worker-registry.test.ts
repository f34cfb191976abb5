import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from '../redis/redis-client.js';
import { startPrivateRedisWithClient, type PrivateRedis } from '../testing/redis-server.js';
import { WorkerRegistry, type WorkerStatus } from './worker-registry.js';

let server: PrivateRedis;
let redis: Redis;
beforeAll(async () => ({ server, redis } = await startPrivateRedisWithClient()));
afterAll(() => server.stop());

const status = (id: string, type: string): WorkerStatus => ({
  id,
  type,
  host: 'h',
  model: 'nanodet',
  state: 'ready',
  inferFps: 10,
  dropFps: 2,
  scaleRatio: 1.2,
});

describe('WorkerRegistry', () => {
  it('lists live workers per type and forgets silent ones', async () => {
    const registry = new WorkerRegistry({ redis, keyPrefix: 'wr:', ttlMs: 1000 });
    await registry.report(status('w1', 'people'), 10_000);
    await registry.report(status('w2', 'people'), 10_500);
    await registry.report(status('w3', 'car'), 10_500);
    expect(
      (await registry.list('people', 10_600)).map((w) => [w.id, w.inferFps, w.startedAt]),
    ).toEqual([
      ['w1', 10, 10_000],
      ['w2', 10, 10_500],
    ]);
    expect(await registry.count('people', 10_600)).toBe(2);
    // w1's heartbeat is older than the TTL at 11_200.
    expect((await registry.list('people', 11_200)).map((w) => w.id)).toEqual(['w2']);
    await registry.remove('car', 'w3');
    expect(await registry.list('car', 10_600)).toEqual([]);
  });
});
