/**
 * pnpm bench:e2e — the whole system as a user runs it: `ei produce` (ffmpeg, the sample
 * clip looped) → Redis → `ei worker` (nanodet, one intra-op thread) → `ei gateway` → a
 * websocket client, every service its own process on this machine.
 *
 *   capacity  one worker under overload: the delivered fps that defines 1× load;
 *   load      0.5×, 1× and 3× that capacity with the `latest` policy: capture-to-client
 *             latency p50/p99, delivered fps, drop rate, CPU per component, and the
 *             accounting check produced = inferred + dropped + in flight;
 *   clip rate the 3× overload again with every stream at the clip's own 24 fps;
 *   policies  the same 3× overload with `latest` and with `fifo` (the reference
 *             behaviour): frame age at inference and per-stream fairness;
 *   scaling   delivered fps with one and with two single-threaded workers;
 *   memory    RSS of every service over a long run at 1× (BENCH_MEMORY_MINUTES, default
 *             10), growth after warm-up.
 * Writes bench/results/e2e.json. BENCH_SECONDS (default 30) sets each measured window.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createRedis,
  decodeResultMessage,
  FrameQueue,
  freePort,
  ResultBus,
  SERVICE_NODE_FLAGS,
  waitUntilReady,
  type InferenceResult,
  type QueuePolicy,
} from '@ei/core';
import {
  commandLine,
  descendants,
  rssMB,
  startPrivateRedis,
  treeCpuSeconds,
} from '@ei/core/testing';
import { WebSocket } from 'ws';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const WARMUP_SECONDS = 8;
const MEMORY_MINUTES = Number(process.env.BENCH_MEMORY_MINUTES ?? 10);
const TYPE = 'people';
/**
 * Streams run at up to 15 fps, a usual camera rate, taken from the 24 fps sample clip (a
 * 10 fps clip would need repeated frames, which arrive in pairs and make drops of their
 * own); a higher load means more streams.
 */
const MAX_STREAM_FPS = 15;
/**
 * The clip's own rate (23.976). At 15 fps the fps filter keeps some frames of the clip and
 * skips others, so a stream's frames come 42 or 83 ms apart; with `latest` the newest
 * frame of a stream is as old as the time since its last frame, so the age under overload
 * follows the longest gap. The 3× overload again with every stream at the clip's own rate
 * (regular 42 ms gaps, fewer streams) shows freshness with a faster camera.
 */
const CLIP_FPS = 2997 / 125;
const CLI = fileURLToPath(new URL('../services/cli/bin/ei.js', import.meta.url));
const CLIP = fileURLToPath(new URL('../services/cli/defaults/samples/faces.mp4', import.meta.url));

const server = await startPrivateRedis();
const redis = createRedis({ url: server.url });
await waitUntilReady(redis);
const dir = await mkdtemp(join(tmpdir(), 'ei-bench-e2e-'));
const gatewayPort = await freePort();
const children = new Set<ChildProcess>();
await writeConfig('latest', []);
// Without a token, on purpose: the bench's own client on loopback is its only reader.
const gateway = start(
  'gateway',
  [
    'gateway',
    '--port',
    String(gatewayPort),
    '--host',
    '127.0.0.1',
    '--insecure',
    '--metrics-port',
    '0',
  ],
  configFile('latest'),
);
await untilHttp(`http://127.0.0.1:${gatewayPort}/healthz`);
const redisPid = descendants(process.pid).find((pid) => commandLine(pid).includes('redis-server'))!;

try {
  // Capacity: one worker, clearly overloaded.
  const calibration = await phase({ label: 'capacity', policy: 'latest', workers: 1, fps: 60 });
  const capacity = calibration.deliveredFps;
  console.log(`capacity of one single-threaded worker: ${capacity.toFixed(1)} fps\n`);

  const load = [];
  for (const level of [0.5, 1, 3]) {
    load.push({
      level,
      ...(await phase({ label: `${level}x`, policy: 'latest', workers: 1, fps: level * capacity })),
    });
  }
  const fifo = await phase({ label: '3x fifo', policy: 'fifo', workers: 1, fps: 3 * capacity });
  const latest3x = load.find((l) => l.level === 3)!;
  const overloadAtClipRate = await phase({
    label: '3x@clip',
    policy: 'latest',
    workers: 1,
    fps: 3 * capacity,
    streamFps: CLIP_FPS,
  });
  // Whole streams at a fixed rate overshoot 3× a little; the level says by how much.
  const clipRate = [
    { level: round(overloadAtClipRate.offeredFps / capacity), ...overloadAtClipRate },
  ];
  // Scaling: just over what two workers serve, so producers cost little and both are busy.
  const one = await phase({ label: '1 worker', policy: 'latest', workers: 1, fps: 2.4 * capacity });
  const two = await phase({
    label: '2 workers',
    policy: 'latest',
    workers: 2,
    fps: 2.4 * capacity,
  });
  const memory = await memoryRun(capacity);

  const result = {
    date: new Date().toISOString(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    model: 'nanodet (416x416), 1 intra-op thread per worker',
    clip: 'faces.mp4 (640x470, 24 fps H.264) looped, one ffmpeg per stream in one `ei produce` process',
    inferenceMs: calibration.inferenceMsP50,
    capacityFps: round(capacity),
    load,
    clipRate: { streamFps: round(CLIP_FPS), load: clipRate },
    policies: [
      { policy: 'latest', ...latest3x },
      { policy: 'fifo', ...fifo },
    ],
    scaling: {
      oneWorkerFps: round(one.deliveredFps),
      twoWorkersFps: round(two.deliveredFps),
      ratio: round(two.deliveredFps / one.deliveredFps, 3),
      cpuCores: { oneWorker: one.cpu, twoWorkers: two.cpu },
    },
    memory,
    targets: {
      halfLoadP99WithinInferencePlus25Ms: load[0]!.latencyMs.p99 <= calibration.inferenceMsP50 + 25,
      // The same bound per frame: latency minus the frame's own inference time. The model's
      // run time alone varies (p50 33, p99 45 ms on a 2-core Xeon VM, runs 35 ms apart).
      halfLoadOverheadP99Within25Ms: load[0]!.overheadMs.p99 <= 25,
      overloadAgeP99Below2xInference: latest3x.ageMs.p99 < 2 * calibration.inferenceMsP50,
      overloadAtClipRateAgeP99Below2xInference:
        overloadAtClipRate.ageMs.p99 < 2 * calibration.inferenceMsP50,
      everyFrameAccounted: [...load, ...clipRate, fifo, one, two].every(
        (p) => p.accounting.balanced,
      ),
      scalingAtLeast1_8x: two.deliveredFps / one.deliveredFps >= 1.8,
      memoryGrowthBelow10Percent: memory.services.every((s) => s.growth < 0.1),
    },
  };
  printTables(result);
  await writeFile(
    new URL('./results/e2e.json', import.meta.url),
    JSON.stringify(result, null, 2) + '\n',
  );
  console.log('wrote bench/results/e2e.json');
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all([...children].map((c) => exited(c)));
  redis.disconnect();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}

interface PhaseOptions {
  label: string;
  policy: QueuePolicy;
  workers: number;
  /** Total frames per second produced over all streams. */
  fps: number;
  /**
   * Every stream at exactly this rate, as many streams as reach `fps` (so a little more).
   * Default: streams of up to MAX_STREAM_FPS sharing `fps` evenly.
   */
  streamFps?: number;
}

/**
 * One measured run: fresh queues, `workers` workers, streams that produce `fps` in total.
 * After the window the producer stops and the workers drain, so the accounting closes
 * exactly: pushed = inferred + dropped.
 */
async function phase(options: PhaseOptions) {
  await redis.flushall();
  const streams = Math.max(1, Math.ceil(options.fps / (options.streamFps ?? MAX_STREAM_FPS)));
  const streamFps = options.streamFps ?? options.fps / streams;
  const names = Array.from({ length: streams }, (_, i) => `cam${i + 1}`);
  const config = await writeConfig(options.policy, names, streamFps);

  // Every result the workers publish (accounting), and what a websocket client receives.
  const bus = new ResultBus({ redis, keyPrefix: 'ei:' });
  let inferred = 0;
  const busSubscription = await bus.subscribe('*', () => (inferred += 1));
  const client = await connectClient();

  const workers = Array.from({ length: options.workers }, (_, i) =>
    start(
      `worker${i + 1}`,
      ['worker', '--type', TYPE, '--threads', '1', '--metrics-port', '0'],
      config,
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 1500)); // models loaded
  const producer = start('producer', ['produce', '--metrics-port', '0'], config);
  await new Promise((resolve) => setTimeout(resolve, WARMUP_SECONDS * 1000));

  const pids = {
    producer: [producer.pid!],
    workers: workers.map((w) => w.pid!),
    gateway: [gateway.pid!],
    redis: [redisPid],
  };
  const cpuBefore = cpuSecondsOf(pids);
  const benchCpuBefore = process.cpuUsage();
  client.reset();
  const queue = new FrameQueue({
    redis,
    type: TYPE,
    policy: options.policy,
    cap: 64,
    keyPrefix: 'ei:',
  });
  const statsBefore = await queue.stats();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const elapsed = (performance.now() - started) / 1000;
  const statsAfter = await queue.stats();
  const cpuAfter = cpuSecondsOf(pids);
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const window = client.snapshot();

  // Stop the streams, let the workers finish what they hold, then close the books.
  producer.kill('SIGTERM');
  await exited(producer);
  await drained(queue);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const final = await queue.stats();
  const waiting = Object.values(final.waiting).reduce((a, b) => a + b, 0);
  const accounting = {
    produced: final.pushed,
    inferred,
    dropped: final.dropped,
    inFlight: waiting,
    balanced: final.pushed === inferred + final.dropped + waiting,
  };
  for (const worker of workers) worker.kill('SIGTERM');
  await Promise.all(workers.map((w) => exited(w)));
  await busSubscription.close();
  client.close();
  await queue.close();

  const pushed = statsAfter.pushed - statsBefore.pushed;
  const dropped = statsAfter.dropped - statsBefore.dropped;
  const cores = (name: keyof typeof pids) => round((cpuAfter[name] - cpuBefore[name]) / elapsed, 2);
  const perStream = names.map((n) => window.perStream.get(n) ?? 0);
  const result = {
    streams,
    streamFps: round(streamFps),
    offeredFps: round(pushed / elapsed),
    deliveredFps: round(window.received / elapsed),
    dropRate: round(pushed > 0 ? dropped / pushed : 0, 3),
    latencyMs: percentiles(window.latencies),
    /** Per frame, latency minus that frame's inference time. */
    overheadMs: percentiles(window.overhead),
    ageMs: percentiles(window.ages),
    inferenceMsP50: percentiles(window.inference).p50,
    /** Where the latency goes: capture→dequeue, the worker's stages, publish→client. */
    stagesMs: {
      queueWait: percentiles(window.ages),
      preprocess: percentiles(window.preprocess),
      inference: percentiles(window.inference),
      postprocess: percentiles(window.postprocess),
      relay: percentiles(window.relay),
    },
    fairness: {
      jain: round(jain(perStream), 3),
      minOverMax: round(Math.min(...perStream) / Math.max(1, ...perStream), 3),
    },
    cpu: {
      producer: cores('producer'),
      workers: cores('workers'),
      gateway: cores('gateway'),
      redis: cores('redis'),
      client: round((benchCpu.user + benchCpu.system) / 1e6 / elapsed, 2),
    },
    accounting,
  };
  console.log(
    `${options.label.padEnd(10)} ${streams} streams × ${streamFps.toFixed(1)} fps: delivered ${result.deliveredFps.toFixed(1)} fps, latency p50 ${result.latencyMs.p50} p99 ${result.latencyMs.p99} ms, age p99 ${result.ageMs.p99} ms, drops ${(result.dropRate * 100).toFixed(1)}%, accounted ${accounting.balanced}`,
  );
  return result;
}

type Phase = Awaited<ReturnType<typeof phase>>;

/** RSS of every service, sampled every 10 s over MEMORY_MINUTES at 1× load. */
async function memoryRun(capacity: number) {
  await redis.flushall();
  const streams = Math.max(1, Math.ceil(capacity / MAX_STREAM_FPS));
  const config = await writeConfig(
    'latest',
    Array.from({ length: streams }, (_, i) => `cam${i + 1}`),
    capacity / streams,
  );
  const client = await connectClient();
  const worker = start(
    'worker',
    ['worker', '--type', TYPE, '--threads', '1', '--metrics-port', '0'],
    config,
  );
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const producer = start('producer', ['produce', '--metrics-port', '0'], config);
  const services = { producer: producer.pid!, worker: worker.pid!, gateway: gateway.pid! };
  const samples: Record<string, number[]> = { producer: [], worker: [], gateway: [] };
  const intervalMs = 10_000;
  const total = Math.max(1, Math.round((MEMORY_MINUTES * 60_000) / intervalMs));
  for (let i = 0; i < total; i++) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    for (const [name, pid] of Object.entries(services)) samples[name]!.push(rssMB(pid));
    if (i % 6 === 5) {
      process.stdout.write(
        `memory ${(((i + 1) * intervalMs) / 60_000).toFixed(0)}/${MEMORY_MINUTES} min: ${Object.entries(
          services,
        )
          .map(([name]) => `${name} ${samples[name]!.at(-1)!.toFixed(0)} MB`)
          .join(', ')}\n`,
      );
    }
  }
  producer.kill('SIGTERM');
  worker.kill('SIGTERM');
  await Promise.all([exited(producer), exited(worker)]);
  client.close();
  // Warm-up: the first minute (or the first third of a short run).
  const warm = Math.min(Math.max(1, Math.floor(total / 3)), 6);
  return {
    minutes: MEMORY_MINUTES,
    loadFps: round(capacity),
    services: Object.entries(samples).map(([name, values]) => {
      const afterWarmUp = values[warm - 1] ?? values[0]!;
      const end = values.at(-1)!;
      return {
        name,
        afterWarmUpMB: round(afterWarmUp),
        endMB: round(end),
        maxMB: round(Math.max(...values)),
        growth: round((end - afterWarmUp) / afterWarmUp, 3),
      };
    }),
  };
}

/** A websocket client of the gateway's multiplexed /ws, subscribed to every stream. */
async function connectClient() {
  const socket = new WebSocket(`ws://127.0.0.1:${gatewayPort}/ws`);
  socket.binaryType = 'nodebuffer';
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ op: 'subscribe', streams: '*' }));
  let state = fresh();
  function fresh() {
    return {
      received: 0,
      latencies: [] as number[],
      /** Capture to client minus the frame's own inference: what the platform adds. */
      overhead: [] as number[],
      ages: [] as number[],
      inference: [] as number[],
      preprocess: [] as number[],
      postprocess: [] as number[],
      /** Worker's publish to client receipt: result bus and gateway relay. */
      relay: [] as number[],
      perStream: new Map<string, number>(),
    };
  }
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return; // control replies (subscription acknowledgements)
    const now = Date.now();
    const { result } = decodeResultMessage(data) as { result: InferenceResult };
    state.received += 1;
    state.latencies.push(now - result.captureTs);
    state.overhead.push(now - result.captureTs - result.timings.inferenceMs);
    state.ages.push(result.timings.queueWaitMs);
    state.inference.push(result.timings.inferenceMs);
    state.preprocess.push(result.timings.preprocessMs);
    state.postprocess.push(result.timings.postprocessMs);
    state.relay.push(now - result.publishedTs);
    state.perStream.set(result.streamId, (state.perStream.get(result.streamId) ?? 0) + 1);
  });
  return {
    reset: () => (state = fresh()),
    snapshot: () => state,
    close: () => socket.close(),
  };
}

function configFile(policy: QueuePolicy): string {
  return join(dir, `${policy}.yaml`);
}

async function writeConfig(policy: QueuePolicy, streams: string[], streamFps = 1): Promise<string> {
  const lines = [
    `redis: { url: '${server.url}' }`,
    `log: { level: warn, format: json }`,
    `types:`,
    `  ${TYPE}: { model: nanodet, classes: [person], policy: ${policy}, cap: 64 }`,
    `streams:`,
    ...streams.map(
      (name) =>
        `  - { name: ${name}, source: '${CLIP}', type: ${TYPE}, fps: ${streamFps.toFixed(3)}, loop: true }`,
    ),
  ];
  if (streams.length === 0) lines[lines.length - 1] = 'streams: []';
  const file = configFile(policy);
  await writeFile(file, lines.join('\n') + '\n');
  return file;
}

function start(name: string, args: string[], config: string): ChildProcess {
  // With an IPC channel and EI_SUPERVISED the child exits when this process dies, however.
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, CLI, ...args], {
    env: {
      ...process.env,
      EI_CONFIG: config,
      REDIS_URL: server.url,
      LOG_FORMAT: 'json',
      EI_SUPERVISED: '1',
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk}`));
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function drained(queue: FrameQueue): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const stats = await queue.stats();
    if (Object.values(stats.waiting).every((n) => n === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function untilHttp(url: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const response = await fetch(url).catch(() => undefined);
    if (response?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} does not answer`);
}

/** CPU seconds of each group of processes with their descendants. */
function cpuSecondsOf<K extends string>(groups: Record<K, number[]>): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const [name, roots] of Object.entries(groups) as [K, number[]][]) {
    out[name] = treeCpuSeconds(roots);
  }
  return out;
}

function percentiles(values: number[]): { p50: number; p99: number } {
  if (values.length === 0) return { p50: Number.NaN, p99: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return { p50: round(at(0.5), 1), p99: round(at(0.99), 1) };
}

/** Jain's fairness index: 1 when every stream got the same share, 1/n when one got all. */
function jain(values: number[]): number {
  const sum = values.reduce((a, b) => a + b, 0);
  const squares = values.reduce((a, b) => a + b * b, 0);
  return squares === 0 ? 1 : (sum * sum) / (values.length * squares);
}

function printTables(result: {
  load: (Phase & { level: number })[];
  clipRate: { load: (Phase & { level: number })[] };
  policies: (Phase & { policy: string })[];
  scaling: { oneWorkerFps: number; twoWorkersFps: number; ratio: number };
  memory: Awaited<ReturnType<typeof memoryRun>>;
  targets: Record<string, boolean>;
}): void {
  console.log(
    '\nload  streams  offered fps  delivered fps  drops  p50 ms  p99 ms  CPU producer/workers/gateway/redis',
  );
  for (const l of [...result.load, ...result.clipRate.load]) {
    console.log(
      `${`${l.level}x`.padEnd(5)} ${String(l.streams).padStart(7)} ${String(l.offeredFps).padStart(12)} ${String(l.deliveredFps).padStart(14)} ${`${(l.dropRate * 100).toFixed(1)}%`.padStart(6)} ${String(l.latencyMs.p50).padStart(7)} ${String(l.latencyMs.p99).padStart(7)}  ${l.cpu.producer}/${l.cpu.workers}/${l.cpu.gateway}/${l.cpu.redis}`,
    );
  }
  console.log('\npolicy at 3x  age p50 ms  age p99 ms  fairness (Jain)  min/max stream');
  for (const p of result.policies) {
    console.log(
      `${p.policy.padEnd(12)} ${String(p.ageMs.p50).padStart(11)} ${String(p.ageMs.p99).padStart(11)} ${String(p.fairness.jain).padStart(16)} ${String(p.fairness.minOverMax).padStart(15)}`,
    );
  }
  console.log(
    `\nscaling: 1 worker ${result.scaling.oneWorkerFps} fps, 2 workers ${result.scaling.twoWorkersFps} fps (${result.scaling.ratio}×)`,
  );
  for (const s of result.memory.services) {
    console.log(
      `memory ${s.name}: ${s.afterWarmUpMB} MB after warm-up, ${s.endMB} MB at ${result.memory.minutes} min (${(s.growth * 100).toFixed(1)}%)`,
    );
  }
  console.log('\ntargets:', result.targets);
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
