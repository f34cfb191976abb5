/**
 * pnpm bench:queue — frame queue throughput and latency for each policy, against the raw
 * Redis limit measured in the same run on the same private server.
 *
 * Per policy: one producer (frames of a real 56 KB 640x480 JPEG, up to 32 pushes in
 * flight) and two consumers, each in its own process like real workers. First at
 * full speed (framesPerSec = frames consumed per second), then paced at half that rate
 * for push-to-pop latency. Writes bench/results/queue.json.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { promisify } from 'node:util';
import { fork, type ChildProcess } from 'node:child_process';
import { createRedis, FrameQueue, waitUntilReady, type QueuePolicy } from '@ei/core';
import { sampleJpeg, startPrivateRedis } from '@ei/core/testing';

const POLICIES = (process.env.BENCH_POLICIES ?? 'fifo,latest,lossless').split(',') as QueuePolicy[];
const FULL_SPEED_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 4);
const STREAMS = 8;
const IN_FLIGHT = 32;

const server = await startPrivateRedis();
const redis = createRedis({ url: server.url });
await waitUntilReady(redis);
const jpeg = sampleJpeg();
const now = (): number => performance.timeOrigin + performance.now();

const rows = [];
for (const policy of POLICIES) {
  // The limit is measured right before each policy, on the same server, so the ratio
  // compares runs made under the same conditions. redis-benchmark varies from run to
  // run (it grows one list to 1 GB): the median of three.
  const limits = [];
  for (let i = 0; i < 3; i++) limits.push(await redisBenchmarkLpush(server.port));
  const limit = percentile(limits, 0.5);
  console.log(
    `redis-benchmark LPUSH 50 KB: ${limits.map((l) => l.toFixed(0)).join(', ')}/s (median ${limit.toFixed(0)})`,
  );
  const full = await run(policy, undefined, FULL_SPEED_SECONDS);
  const paced = await run(policy, full.consumedPerSec / 2, PACED_SECONDS);
  const row = {
    policy,
    framesPerSec: round(full.consumedPerSec),
    pushedPerSec: round(full.pushedPerSec),
    droppedPerSec: round(full.droppedPerSec),
    redisLimitPerSec: round(limit),
    ratio: round(full.consumedPerSec / limit, 3),
    pacedRatePerSec: round(full.consumedPerSec / 2),
    cpuCores: full.cpu,
    p50Ms: round(percentile(paced.latencies, 0.5), 3),
    p99Ms: round(percentile(paced.latencies, 0.99), 3),
  };
  console.log(JSON.stringify(row));
  rows.push(row);
}

console.log('\npolicy    frames/s  redis limit/s  ratio  p50 ms  p99 ms (at half rate)');
for (const r of rows) {
  console.log(
    `${r.policy.padEnd(9)} ${String(r.framesPerSec).padStart(8)} ${String(r.redisLimitPerSec).padStart(14)} ${r.ratio.toFixed(2).padStart(6)} ${r.p50Ms.toFixed(2).padStart(7)} ${r.p99Ms.toFixed(2).padStart(7)}`,
  );
}
await writeFile(
  new URL('./results/queue.json', import.meta.url),
  JSON.stringify(
    {
      date: new Date().toISOString(),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      payloadBytes: jpeg.length,
      results: rows,
    },
    null,
    2,
  ) + '\n',
);
console.log('wrote bench/results/queue.json');
redis.disconnect();
await server.stop();

async function run(policy: QueuePolicy, ratePerSec: number | undefined, seconds: number) {
  const keyPrefix = `bench-${policy}-${ratePerSec ? 'paced' : 'full'}:`;
  const queue = new FrameQueue({ redis, type: 'bench', policy, cap: 256, keyPrefix });
  const consumers: ChildProcess[] = [0, 1].map(() =>
    fork(new URL('./queue-consumer.process.ts', import.meta.url), [server.url, keyPrefix], {
      stdio: 'inherit',
    }),
  );
  await Promise.all(consumers.map((c) => new Promise((resolve) => c.once('message', resolve))));
  const redisCpuBefore = await redisCpuSeconds();
  const producerCpuBefore = process.cpuUsage();
  const started = now();
  const deadline = started + seconds * 1000;
  let seq = 0;
  const inFlight = new Set<Promise<unknown>>();
  while (now() < deadline) {
    if (ratePerSec !== undefined) {
      const due = started + (seq / ratePerSec) * 1000;
      const wait = due - now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const frame = {
      streamId: `s${seq % STREAMS}`,
      type: 'bench',
      seq,
      captureTs: now(),
      width: 640,
      height: 480,
      encoding: 'jpeg' as const,
      data: jpeg,
    };
    seq += 1;
    const pushing = queue.push(frame).finally(() => inFlight.delete(pushing));
    inFlight.add(pushing);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const pushedElapsed = (now() - started) / 1000;
  const producerCpu = process.cpuUsage(producerCpuBefore);
  const redisCpu = (await redisCpuSeconds()) - redisCpuBefore;
  const results = await Promise.all(
    consumers.map(
      (w) =>
        new Promise<{ count: number; latencies: number[]; lastAt: number; cpuSeconds: number }>(
          (resolve) => {
            w.once('message', (message) =>
              resolve(
                message as {
                  count: number;
                  latencies: number[];
                  lastAt: number;
                  cpuSeconds: number;
                },
              ),
            );
            w.send('stop');
          },
        ),
    ),
  );
  await Promise.all(
    consumers.map(
      (c) =>
        new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.once('exit', resolve))),
    ),
  );
  const stats = await queue.stats();
  await queue.clear();
  await queue.close();
  const consumed = results.reduce((sum, r) => sum + r.count, 0);
  const lastAt = Math.max(...results.map((r) => r.lastAt));
  return {
    consumedPerSec: consumed / ((lastAt - started) / 1000),
    pushedPerSec: stats.pushed / pushedElapsed,
    droppedPerSec: stats.dropped / pushedElapsed,
    latencies: results.flatMap((r) => r.latencies),
    // CPU used per second of the run, in cores: producer, both consumers, Redis.
    cpu: {
      producer: round((producerCpu.user + producerCpu.system) / 1e6 / pushedElapsed, 2),
      consumers: round(results.reduce((sum, r) => sum + r.cpuSeconds, 0) / pushedElapsed, 2),
      redis: round(redisCpu / pushedElapsed, 2),
    },
  };
}

async function redisCpuSeconds(): Promise<number> {
  const info = await redis.info('cpu');
  const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0);
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0);
  return user + sys;
}

async function redisBenchmarkLpush(port: number): Promise<number> {
  const { stdout } = await promisify(execFile)('redis-benchmark', [
    '-p',
    String(port),
    '-t',
    'lpush',
    '-d',
    '50000',
    '-n',
    '20000',
    '-q',
  ]);
  const match = /LPUSH: ([\d.]+) requests per second/.exec(stdout);
  if (!match) throw new Error(`cannot read redis-benchmark output: ${stdout}`);
  await promisify(execFile)('redis-cli', ['-p', String(port), 'FLUSHALL']);
  return Number(match[1]);
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
