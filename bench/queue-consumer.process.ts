// A consumer process of bench/queue.bench.ts: pops until told to stop, records latencies.
import { createRedis, FrameConsumer, waitUntilReady } from '@ei/core';

const [url, keyPrefix] = process.argv.slice(2) as [string, string];
const redis = createRedis({ url });
await waitUntilReady(redis);
const consumer = new FrameConsumer({ redis, type: 'bench', keyPrefix });
const cpuAtStart = process.cpuUsage();
const latencies: number[] = [];
let count = 0;
let lastAt = 0;
let stopping = false;
process.on('message', () => {
  stopping = true;
});
process.send!('ready');
// PREFETCH pops in flight on the one blocking connection, as a worker that prepares the
// next frame while the current one is inferred (Redis serves them in turn).
const PREFETCH = Number(process.env.BENCH_PREFETCH ?? 2);
await Promise.all(
  Array.from({ length: PREFETCH }, async () => {
    for (;;) {
      const next = await consumer.pop(stopping ? 100 : 1000);
      if (!next) {
        if (stopping) break;
        continue;
      }
      lastAt = performance.timeOrigin + performance.now();
      latencies.push(lastAt - next.frame.captureTs);
      count += 1;
    }
  }),
);
await new Promise<void>((resolve) =>
  process.send!(
    { count, latencies, lastAt, cpuSeconds: sumCpu(process.cpuUsage(cpuAtStart)) },
    () => resolve(),
  ),
);
await consumer.close();
redis.disconnect();
process.disconnect();

function sumCpu(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}
