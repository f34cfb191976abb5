/**
 * A producer process for tests that must kill one: announces its streams in the stream
 * registry (heartbeat) and pushes a small frame of each stream every few milliseconds until
 * it is killed. Prints "pushing" once every stream has a frame queued.
 *
 * node --conditions=@ei/source --import tsx stream-pusher.process.ts \
 *   <redis url> <key prefix> <type> <policy> <cap> <orphan after ms> <registry ttl ms> <stream id>...
 */
import { hostname } from 'node:os';
import type { QueuePolicy } from '../config/config-schema.js';
import { FrameQueue } from '../queue/frame-queue.js';
import { createRedis, waitUntilReady } from '../redis/redis-client.js';
import { StreamRegistry } from '../registry/stream-registry.js';
import { sampleFrame } from './sample-messages.js';

const [url, keyPrefix, type, policy, cap, orphanAfterMs, registryTtlMs, ...ids] =
  process.argv.slice(2) as [
    string,
    string,
    string,
    QueuePolicy,
    string,
    string,
    string,
    ...string[],
  ];

const redis = createRedis({ url });
await waitUntilReady(redis);
const registry = new StreamRegistry({ redis, keyPrefix, ttlMs: Number(registryTtlMs) });
for (const id of ids) {
  registry.keepAlive(
    { id, type, source: 'test', state: 'live', host: hostname() },
    Number(registryTtlMs) / 4,
  );
}
const queue = new FrameQueue({
  redis,
  type,
  policy,
  cap: Number(cap),
  keyPrefix,
  orphanAfterMs: Number(orphanAfterMs),
});
let seq = 0;
for (;;) {
  for (const streamId of ids) {
    await queue.push(sampleFrame(streamId, seq, { type }));
  }
  if (seq === 0) console.log('pushing');
  seq += 1;
  await new Promise((resolve) => setTimeout(resolve, 5));
}
