import { createLogger, EventLog, WorkerRegistry, type Redis } from '@ei/core';
import { startPrivateRedisWithClient, type PrivateRedis } from '@ei/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAutoscaler } from './local-autoscaler.js';

let server: PrivateRedis;
let redis: Redis;
beforeAll(async () => ({ server, redis } = await startPrivateRedisWithClient()));
afterAll(() => server.stop());

describe('LocalAutoscaler', () => {
  it('follows the workers’ own scale ratios up and, after the window, down; and logs events', async () => {
    const workers = new WorkerRegistry({ redis, keyPrefix: 'as:', ttlMs: 60_000 });
    const events = new EventLog(redis, 'as:');
    let replicas = 1;
    const autoscaler = new LocalAutoscaler({
      types: [{ type: 'people', minWorkers: 1, maxWorkers: 2 }],
      workers,
      events,
      logger: createLogger({ name: 'test', level: 'silent' }),
      intervalMs: 1000,
      scaleDownWindowMs: 5000,
      tolerance: 0.1,
      warmUpMs: 0,
      current: () => replicas,
      scaleTo: async (_type, n) => {
        replicas = n;
      },
    });
    const report = (id: string, scaleRatio: number, at: number) =>
      workers.report(
        {
          id,
          type: 'people',
          host: 'h',
          model: 'nanodet',
          state: 'ready',
          inferFps: 10,
          dropFps: 0,
          scaleRatio,
        },
        at,
      );

    const t0 = Date.now();
    await report('w1', 1.9, t0); // one saturated worker dropping frames
    expect((await autoscaler.evaluate(t0))[0]).toMatchObject({
      current: 1,
      desired: 2,
      reason: 'scale-up',
    });
    expect(replicas).toBe(2);
    await report('w1', 0.95, t0 + 1000);
    await report('w2', 0.97, t0 + 1000);
    expect((await autoscaler.evaluate(t0 + 1000))[0]).toMatchObject({
      desired: 2,
      reason: 'within-tolerance',
    });
    // Streams stop: both idle. Held during the window, then down to 1.
    await report('w1', 0, t0 + 2000);
    await report('w2', 0, t0 + 2000);
    expect((await autoscaler.evaluate(t0 + 2000))[0]).toMatchObject({
      desired: 2,
      reason: 'stabilising',
    });
    await report('w1', 0, t0 + 7000);
    await report('w2', 0, t0 + 7000);
    expect((await autoscaler.evaluate(t0 + 7000))[0]).toMatchObject({
      desired: 1,
      reason: 'scale-down',
    });
    expect(replicas).toBe(1);
    const logged = await events.recent();
    expect(logged.map((e) => [e.subject, e.from, e.to])).toEqual([
      ['people', 2, 1],
      ['people', 1, 2],
    ]);
  });
});
