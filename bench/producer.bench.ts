/**
 * pnpm bench:producer — CPU of the producer per 640x480 15 fps stream, and how many such
 * streams one producer process feeds at full rate.
 *
 * Streams are the committed 640x480 fixture clip, looped and paced in real time at 15 fps
 * (`fps=15`), each with its own ffmpeg child, all pushing through one auto-pipelined
 * Redis connection into a `latest` queue on a private redis-server. For N = 1, 2, 4, ...
 * streams: warm up, then measure over a window the frames captured and queued, the CPU
 * time of this node process (process.cpuUsage), of the ffmpeg children and of
 * redis-server (/proc/<pid>/stat), separately. "Full rate" means at least 95% of
 * N x 15 frames per second reached the queue. Writes bench/results/producer.json.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import {
  createLogger,
  createMetrics,
  createRedis,
  FrameQueue,
  StreamRegistry,
  waitUntilReady,
} from '@ei/core';
import { startPrivateRedis } from '@ei/core/testing';
import {
  createProducerMetrics,
  locateFfmpeg,
  StreamProducer,
} from '../services/producer/src/index.js';

const FPS = 15;
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const WINDOW_SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const STEPS = (process.env.BENCH_STREAMS ?? '1,2,4,8,16,24,32,40,48,56,64').split(',').map(Number);
const CLIP = new URL(
  '../services/producer/src/testing/fixtures/vtest-640x480-4s.avi',
  import.meta.url,
).pathname;
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

const server = await startPrivateRedis();
const redis = createRedis({ url: server.url });
await waitUntilReady(redis);
const ffmpeg = locateFfmpeg();
const logger = createLogger({ name: 'bench', level: 'warn' });
const metrics = createProducerMetrics(
  createMetrics({ service: 'producer', defaultMetrics: false }),
);
const registry = new StreamRegistry({ redis, keyPrefix: 'bench:' });
const redisPid = findPid(
  (cmdline) => cmdline.startsWith('redis-server') && cmdline.includes(`${server.port}`),
);

interface Step {
  streams: number;
  targetFps: number;
  capturedFps: number;
  queuedFps: number;
  fullRate: boolean;
  width: number;
  height: number;
  /** Cores used (1 = one core busy for the whole window). */
  cpuCores: { node: number; ffmpeg: number; redis: number };
  /** Percent of one core per stream. */
  perStreamPercent: { node: number; ffmpeg: number };
}

const steps: Step[] = [];
for (const count of STEPS) {
  const step = await measure(count);
  steps.push(step);
  console.log(JSON.stringify(step));
  if (!step.fullRate) break;
}

const single = steps[0]!;
const fullRate = steps.filter((step) => step.fullRate);
const best = fullRate[fullRate.length - 1];
// Per-stream node CPU at the largest full-rate step amortises fixed costs (timers, GC).
const nodePerStream = best?.perStreamPercent.node ?? single.perStreamPercent.node;
const result = {
  date: new Date().toISOString(),
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
  ffmpeg: { path: ffmpeg.path, origin: ffmpeg.origin },
  stream: {
    width: single.width,
    height: single.height,
    fps: FPS,
    source: 'fixture clip, looped, -re',
  },
  windowSeconds: WINDOW_SECONDS,
  perStream: {
    nodePercentOfCore: single.perStreamPercent.node,
    ffmpegPercentOfCore: single.perStreamPercent.ffmpeg,
    nodePercentOfCoreAtScale: nodePerStream,
  },
  maxStreamsAtFullRate: best?.streams ?? 0,
  limitedBy:
    steps.length === STEPS.length && steps.every((step) => step.fullRate)
      ? 'not reached (largest step ran at full rate)'
      : 'machine CPU (the ffmpeg children) at the first step below full rate',
  nodeOnlyStreamsPerCore: Math.floor(100 / nodePerStream),
  steps,
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(
  new URL('./results/producer.json', import.meta.url),
  `${JSON.stringify(result, null, 2)}\n`,
);

console.log('\nstreams  target fps  queued fps  node cores  ffmpeg cores  redis cores  full rate');
for (const s of steps) {
  console.log(
    `${String(s.streams).padStart(7)} ${String(s.targetFps).padStart(11)} ${s.queuedFps.toFixed(1).padStart(11)} ${s.cpuCores.node.toFixed(3).padStart(11)} ${s.cpuCores.ffmpeg.toFixed(3).padStart(13)} ${s.cpuCores.redis.toFixed(3).padStart(12)} ${String(s.fullRate).padStart(10)}`,
  );
}
console.log(
  `\nper 640x480 15 fps stream: node ${single.perStreamPercent.node}% of a core, ffmpeg ${single.perStreamPercent.ffmpeg}%; ` +
    `max streams at full rate here: ${result.maxStreamsAtFullRate}; node alone would feed ~${result.nodeOnlyStreamsPerCore} per core`,
);
redis.disconnect();
await server.stop();

async function measure(count: number): Promise<Step> {
  const queue = new FrameQueue({
    redis,
    type: 'people',
    policy: 'latest',
    cap: 1024,
    keyPrefix: 'bench:',
  });
  await queue.clear();
  const producers = Array.from(
    { length: count },
    (_, i) =>
      new StreamProducer({
        stream: { name: `bench-${i}`, source: CLIP, type: 'people', fps: FPS, loop: true },
        queue,
        registry,
        metrics,
        logger,
        ffmpegPath: ffmpeg.path,
      }),
  );
  const runs = producers.map((producer) => producer.start());
  await sleep(WARMUP_SECONDS * 1000);

  const startCaptured = sum(producers.map((p) => p.status().captured));
  const startProduced = sum(producers.map((p) => p.status().produced));
  const startNode = process.cpuUsage();
  const ffmpegPids = childPids('ffmpeg');
  const startFfmpeg = sum(ffmpegPids.map(cpuTicks));
  const startRedis = redisPid === undefined ? 0 : cpuTicks(redisPid);
  const startTime = performance.now();
  await sleep(WINDOW_SECONDS * 1000);
  const seconds = (performance.now() - startTime) / 1000;
  const node = process.cpuUsage(startNode);
  const ffmpegTicks = sum(ffmpegPids.map(cpuTicks)) - startFfmpeg;
  const redisTicks = redisPid === undefined ? 0 : cpuTicks(redisPid) - startRedis;
  const captured = sum(producers.map((p) => p.status().captured)) - startCaptured;
  const produced = sum(producers.map((p) => p.status().produced)) - startProduced;
  const status = producers[0]!.status();

  await Promise.all(producers.map((producer) => producer.stop()));
  await Promise.all(runs);
  await queue.close();

  const nodeCores = (node.user + node.system) / 1e6 / seconds;
  const ffmpegCores = ffmpegTicks / TICKS_PER_SECOND / seconds;
  const queuedFps = produced / seconds;
  return {
    streams: count,
    targetFps: count * FPS,
    capturedFps: round(captured / seconds, 1),
    queuedFps: round(queuedFps, 1),
    fullRate: queuedFps >= 0.95 * count * FPS,
    width: status.width ?? 0,
    height: status.height ?? 0,
    cpuCores: {
      node: round(nodeCores, 3),
      ffmpeg: round(ffmpegCores, 3),
      redis: round(redisTicks / TICKS_PER_SECOND / seconds, 3),
    },
    perStreamPercent: {
      node: round((100 * nodeCores) / count, 2),
      ffmpeg: round((100 * ffmpegCores) / count, 2),
    },
  };
}

/** utime + stime of a process, in clock ticks (0 once it is gone). */
function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at state (field 3).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function childPids(command: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && name === command) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

function findPid(match: (cmdline: string) => boolean): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (match(cmdline)) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
