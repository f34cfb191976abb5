// A consumer process of bench/queue.bench.ts: pops for the whole life of one policy's run
// (so it is warm when a phase is measured) and reports per phase when asked.
import { createRedis, FrameConsumer, waitUntilReady } from '@ei/core';

export interface PhaseReport {
  count: number;
  latencies: number[];
  lastAt: number;
  cpuSeconds: number;
}

const IDLE_BEFORE_REPORT_MS = 200;
const [url, keyPrefix] = process.argv.slice(2) as [string, string];
const redis = createRedis({ url });
await waitUntilReady(redis);
const consumer = new FrameConsumer({ redis, type: 'bench', keyPrefix });
const now = (): number => performance.timeOrigin + performance.now();

let cpuAtStart = process.cpuUsage();
let latencies: number[] = [];
let count = 0;
let lastAt = 0;
let stopping = false;

process.on('message', (message: 'report' | 'stop') => {
  if (message === 'stop') {
    stopping = true;
    void consumer.stop();
    return;
  }
  void reportWhenDrained();
});
process.send!('ready');

// PREFETCH pops in flight on the one blocking connection, as a worker that prepares the
// next frame while the current one is inferred (Redis serves them in turn).
const PREFETCH = Number(process.env.BENCH_PREFETCH ?? 2);
await Promise.all(
  Array.from({ length: PREFETCH }, async () => {
    while (!stopping) {
      const next = await consumer.pop(1000);
      if (!next) continue;
      lastAt = now();
      latencies.push(lastAt - next.frame.captureTs);
      count += 1;
    }
  }),
);
await consumer.close();
redis.disconnect();
process.disconnect();

/** Replies once the queue has run dry (nothing popped for a while), then starts afresh. */
async function reportWhenDrained(): Promise<void> {
  while (now() - lastAt < IDLE_BEFORE_REPORT_MS) {
    await new Promise((resolve) => setTimeout(resolve, IDLE_BEFORE_REPORT_MS / 4));
  }
  const usage = process.cpuUsage(cpuAtStart);
  const report: PhaseReport = {
    count,
    latencies,
    lastAt,
    cpuSeconds: (usage.user + usage.system) / 1e6,
  };
  process.send!(report);
  cpuAtStart = process.cpuUsage();
  latencies = [];
  count = 0;
}
