import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, waitUntilReady, type Redis } from '../redis/redis-client.js';
import { StreamRegistry } from '../registry/stream-registry.js';
import { ResultBus } from '../results/result-bus.js';
import { startPrivateRedis, type PrivateRedis } from '../testing/redis-server.js';
import { sampleFrame } from '../testing/sample-messages.js';
import { FrameConsumer } from './frame-consumer.js';
import { FrameQueue } from './frame-queue.js';
import type { InferenceResult } from '../results/inference-result.js';

let server: PrivateRedis;
let redis: Redis;
beforeAll(async () => {
  server = await startPrivateRedis();
  redis = createRedis({ url: server.url });
  redis.on('error', () => {}); // expected while the server is down
  await waitUntilReady(redis);
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Redis restarted under running clients', () => {
  it.each(['fifo', 'latest'] as const)(
    '%s: producer, consumer, registry and result subscriber reconnect and carry on',
    async (policy) => {
      const keyPrefix = `${policy}:`;
      const queue = new FrameQueue({ redis, type: 'people', policy, cap: 100, keyPrefix });
      const consumer = new FrameConsumer({ redis, type: 'people', keyPrefix });
      const registry = new StreamRegistry({ redis, ttlMs: 2000, keyPrefix });
      const bus = new ResultBus({ redis, keyPrefix });
      const heartbeatErrors: Error[] = [];
      const heartbeat = registry.keepAlive(
        { id: 'cam', type: 'people', source: 's', state: 'live', host: 'h' },
        100,
        (e) => heartbeatErrors.push(e),
      );
      const results: number[] = [];
      const subscription = await bus.subscribe(['cam'], (live) => results.push(live.result.seq));

      let seq = 0;
      let pushErrors = 0;
      const popped: number[] = [];
      let running = true;
      const producing = (async () => {
        while (running) {
          try {
            await queue.push(sampleFrame('cam', seq));
            seq += 1;
          } catch {
            pushErrors += 1; // the command connection fails fast while Redis is away
          }
          await sleep(5);
        }
      })();
      const consuming = (async () => {
        while (running) {
          const next = await consumer.pop(200);
          if (next) {
            popped.push(next.frame.seq);
            await bus
              .publish({ ...resultFor(next.frame.seq) }, next.frame.data)
              .catch(() => undefined);
          }
        }
      })();

      // Frames flow before the outage (waited for, not timed: the machine may be busy).
      await waitFor(() => popped.length > 10);
      await server.restart({ downMs: 500 });
      // Everything is lost with the restart (no persistence); the stream must re-appear
      // by its heartbeat and frames must flow again.
      await waitFor(async () => (await registry.list()).some((s) => s.id === 'cam'));
      const afterRestart = popped.length;
      await waitFor(
        async () =>
          popped.length > afterRestart + 20 && results.length > 0 && results.at(-1)! > afterRestart,
      );
      running = false;
      await Promise.all([producing, consuming]);

      expect(pushErrors).toBeGreaterThan(0);
      expect(heartbeatErrors.length).toBeGreaterThan(0);
      // Frames came in order (fifo; latest: newest first, never an older one after a newer),
      // before and after the outage.
      for (let i = 1; i < popped.length; i++) expect(popped[i]!).toBeGreaterThan(popped[i - 1]!);
      await heartbeat.stop();
      await subscription.close();
      await consumer.close();
      await queue.close();
    },
  );
});

function resultFor(seq: number): InferenceResult {
  return {
    streamId: 'cam',
    type: 'people',
    seq,
    captureTs: 0,
    dequeuedTs: 0,
    publishedTs: 0,
    width: 640,
    height: 480,
    detections: [],
    timings: { queueWaitMs: 0, preprocessMs: 0, inferenceMs: 0, postprocessMs: 0 },
    model: { name: 'm', version: '1', sha256: '0'.repeat(64) },
    workerId: 'w',
  };
}

async function waitFor(
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await condition()) return;
    } catch {
      // Redis may still be coming back.
    }
    await sleep(50);
  }
  throw new Error('condition not met in time');
}
