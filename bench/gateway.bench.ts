/**
 * pnpm bench:gateway — latency and CPU of the gateway's websocket relay under a realistic
 * live load: 16 streams at 15 fps of real 640x480 JPEG frames (56 KB), published through
 * the real ResultBus, relayed by a real `ei gateway` child process to 8 websocket clients
 * that each watch every stream (8 × 240 = 1920 messages, ~107 MB per second out).
 *
 * Each message carries `sentAtMs`, a CLOCK_MONOTONIC stamp (process.hrtime, ns precision)
 * taken right before `ResultBus.publish`. The clients run in processes of their own
 * (gateway-clients.process.ts, BENCH_CLIENT_PROCESSES, 2 by default) and subtract it from
 * the same clock on receipt: publish → Redis → gateway → websocket → client, with no clock
 * skew. They are not in the publisher's process because receiving ~110 MB/s of buffers
 * makes V8 run a mark-compact every 50-300 ms (external memory pressure, `--trace-gc`),
 * 5-10 ms each on a quiet machine, which delayed publishing and inflated every figure;
 * two processes halve that churn per process. The first one also takes the messages
 * straight from the result bus: the floor that Redis and a receiving Node process set
 * without the gateway.
 *
 * The gateway's CPU is read from /proc/<pid>/stat (utime + stime of all its threads) over
 * the measured window, as a share of one core. Skipped frames come from the gateway's
 * own counter. BENCH_CPU_PROF=<dir> profiles the gateway and the clients (`node --cpu-prof`)
 * into <dir>/gateway and <dir>/clients.
 * Writes bench/results/gateway.json.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { createRedis, freePort, ResultBus, waitUntilReady, type InferenceResult } from '@ei/core';
import { sampleJpeg, startPrivateRedis } from '@ei/core/testing';
import type { ClientsReport } from './gateway-clients.process.js';

const STREAMS = Number(process.env.BENCH_STREAMS ?? 16);
const FPS = Number(process.env.BENCH_FPS ?? 15);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const CLIENT_PROCESSES = Number(process.env.BENCH_CLIENT_PROCESSES ?? 2);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF;
const TARGET_P99_MS = 10;
const TARGET_CPU_SHARE = 0.5;
const TICKS_PER_SECOND = 100; // USER_HZ on Linux
const TOKEN = 'bench-token';
const CLI = new URL('../services/cli/bin/ei.js', import.meta.url).pathname;

/** CLOCK_MONOTONIC in ms: the same clock in every process of the machine. */
const mono = (): number => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const jpeg = sampleJpeg();
const server = await startPrivateRedis();
const redis = createRedis({ url: server.url });
await waitUntilReady(redis);
const bus = new ResultBus({ redis });
const port = await freePort();
const metricsPort = await freePort();
const children: ChildProcess[] = [];
const gateway = spawn(
  process.execPath,
  [
    ...(CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}/gateway`] : []),
    CLI,
    'gateway',
    '--port',
    String(port),
    '--metrics-port',
    String(metricsPort),
    '--redis',
    server.url,
    '--token',
    TOKEN,
  ],
  { env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'inherit', 'inherit'] },
);
children.push(gateway);
// Interrupted (Ctrl-C, a timeout): the run stops at the next frame and `finally` below
// stops every child process and Redis, so none outlives the bench.
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => (interrupted = true));
const base = `http://127.0.0.1:${port}`;

try {
  await until(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok === true);
  // Clients spread over processes, as dashboards are separate browsers; the first also
  // takes the messages straight from the result bus (the floor without the gateway).
  const clientProcesses = Array.from({ length: CLIENT_PROCESSES }, (_, i) => {
    const child = fork(
      new URL('./gateway-clients.process.ts', import.meta.url),
      [
        String(port),
        TOKEN,
        String(Math.floor(CLIENTS / CLIENT_PROCESSES) + (i < CLIENTS % CLIENT_PROCESSES ? 1 : 0)),
        server.url,
        i === 0 ? 'direct' : 'no-direct',
      ],
      {
        stdio: 'inherit',
        execArgv: [
          ...process.execArgv,
          ...(CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}/clients`] : []),
        ],
      },
    );
    children.push(child);
    return child;
  });
  await Promise.all(
    clientProcesses.map((child) => new Promise((resolve) => child.once('message', resolve))),
  );

  const loadBefore = loadavg();
  const metricsBefore = await gatewayCounters();
  let published = 0;
  let publishedInWindow = 0;
  const inFlight = new Set<Promise<unknown>>();
  const started = mono();
  const windowStart = started + WARMUP_SECONDS * 1000;
  const windowEnd = windowStart + SECONDS * 1000;
  for (const child of clientProcesses) child.send({ window: [windowStart, windowEnd] });
  const intervalMs = 1000 / (STREAMS * FPS);
  let gatewayCpuAtStart: number | undefined;
  let publisherCpuAtStart: NodeJS.CpuUsage | undefined;
  let redisCpuAtStart = 0;
  // Message k is due at started + k × interval, streams in turn, so every stream gets
  // FPS evenly spaced frames.
  for (let k = 0; ; k++) {
    const due = started + k * intervalMs;
    if (due >= windowEnd) break;
    if (interrupted) throw new Error('interrupted');
    const wait = due - mono();
    if (wait > 1) await sleep(wait);
    if (gatewayCpuAtStart === undefined && due >= windowStart) {
      gatewayCpuAtStart = await processCpuSeconds(gateway.pid!);
      publisherCpuAtStart = process.cpuUsage();
      redisCpuAtStart = await redisCpuSeconds();
    }
    const streamId = `cam-${String(k % STREAMS).padStart(2, '0')}`;
    const sentAtMs = mono();
    const sending = bus
      .publish(result(streamId, Math.floor(k / STREAMS), sentAtMs), jpeg)
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
    published += 1;
    if (sentAtMs >= windowStart) publishedInWindow += 1;
  }
  await Promise.all(inFlight);
  const windowSeconds = (mono() - windowStart) / 1000;
  const gatewayCpu = (await processCpuSeconds(gateway.pid!)) - gatewayCpuAtStart!;
  const publisherCpu = process.cpuUsage(publisherCpuAtStart);
  const redisCpu = (await redisCpuSeconds()) - redisCpuAtStart;
  const loadAfter = loadavg();
  const reports = await Promise.all(
    clientProcesses.map(
      (child) =>
        new Promise<ClientsReport>((resolve) => {
          child.once('message', (message) => resolve(message as ClientsReport));
          child.send({ stop: publishedInWindow });
        }),
    ),
  );
  // They leave by themselves once they have reported (and write their --cpu-prof then).
  await Promise.all(
    clientProcesses.map((child) =>
      child.exitCode === null
        ? Promise.race([new Promise((resolve) => child.once('exit', resolve)), sleep(5000)])
        : undefined,
    ),
  );
  const sum = (pick: (r: ClientsReport) => number): number =>
    reports.reduce((n, r) => n + pick(r), 0);
  const metricsAfter = await gatewayCounters();
  const latencies = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const direct = reports.flatMap((r) => r.direct).sort((a, b) => a - b);
  const expected = publishedInWindow * CLIENTS;
  const row = {
    streams: STREAMS,
    fps: FPS,
    clients: CLIENTS,
    clientProcesses: CLIENT_PROCESSES,
    seconds: round(windowSeconds, 1),
    published,
    publishedInWindow,
    expected,
    delivered: sum((r) => r.delivered),
    skipped: metricsAfter.skipped - metricsBefore.skipped,
    outOfOrder: sum((r) => r.outOfOrder),
    p50Ms: round(percentile(latencies, 0.5), 2),
    p90Ms: round(percentile(latencies, 0.9), 2),
    p99Ms: round(percentile(latencies, 0.99), 2),
    maxMs: round(latencies[latencies.length - 1] ?? Number.NaN, 2),
    /** Publish → the clients' process straight from Redis, without the gateway. */
    directP50Ms: round(percentile(direct, 0.5), 2),
    directP99Ms: round(percentile(direct, 0.99), 2),
    /** Event-loop delay of the clients' processes (the worst of them). */
    clientsLoopDelayP99Ms: round(Math.max(...reports.map((r) => r.loopDelayP99Ms)), 2),
    clientsLoopDelayMaxMs: round(Math.max(...reports.map((r) => r.loopDelayMaxMs)), 2),
    /** CPU as a share of one core (1 = one core busy for the whole window). */
    gatewayCpu: round(gatewayCpu / windowSeconds, 3),
    publisherCpu: round((publisherCpu.user + publisherCpu.system) / 1e6 / windowSeconds, 3),
    clientsCpu: round(sum((r) => r.cpuSeconds) / windowSeconds, 3),
    redisCpu: round(redisCpu / windowSeconds, 3),
    outMBPerSec: round(sum((r) => r.bytes) / windowSeconds / 1e6, 1),
    loadavgBefore: loadBefore.map((l) => round(l, 2)),
    loadavgAfter: loadAfter.map((l) => round(l, 2)),
  };
  const meets = { p99: row.p99Ms < TARGET_P99_MS, cpu: row.gatewayCpu < TARGET_CPU_SHARE };
  console.log(JSON.stringify(row));
  console.log(
    `\nstreams×fps  clients  delivered/expected  skipped  p50 ms  p99 ms  max ms  gateway CPU  load avg (1, 5, 15 min)`,
  );
  console.log(
    `${`${STREAMS}×${FPS}`.padEnd(12)} ${String(CLIENTS).padStart(7)} ${`${row.delivered}/${expected}`.padStart(19)} ${String(row.skipped).padStart(8)} ${row.p50Ms.toFixed(2).padStart(7)} ${row.p99Ms.toFixed(2).padStart(7)} ${row.maxMs.toFixed(1).padStart(7)} ${`${(row.gatewayCpu * 100).toFixed(1)}%`.padStart(12)}  ${row.loadavgBefore.join(', ')} → ${row.loadavgAfter.join(', ')}`,
  );
  console.log(
    `floor without the gateway (Redis straight into a clients' process): p50 ${row.directP50Ms} ms, p99 ${row.directP99Ms} ms; clients' event-loop delay p99 ${row.clientsLoopDelayP99Ms} ms, max ${row.clientsLoopDelayMaxMs} ms`,
  );
  console.log(
    `targets: p99 < ${TARGET_P99_MS} ms ${meets.p99 ? 'met' : 'MISSED'}; gateway CPU < ${TARGET_CPU_SHARE * 100}% of one core ${meets.cpu ? 'met' : 'MISSED'}`,
  );
  await writeFile(
    new URL('./results/gateway.json', import.meta.url),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        node: process.version,
        payloadBytes: jpeg.length,
        targets: { p99Ms: TARGET_P99_MS, gatewayCpu: TARGET_CPU_SHARE },
        meets,
        results: [row],
      },
      null,
      2,
    ) + '\n',
  );
  console.log('wrote bench/results/gateway.json');
} finally {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // SIGTERM lets the gateway close cleanly, which is also when --cpu-prof writes.
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  redis.disconnect();
  await server.stop();
}

/** A result as a worker publishes it, plus the bench's monotonic stamp `sentAtMs`. */
function result(
  streamId: string,
  seq: number,
  sentAtMs: number,
): InferenceResult & { sentAtMs: number } {
  const publishedTs = Date.now();
  return {
    streamId,
    type: 'people',
    seq,
    captureTs: publishedTs - 60,
    dequeuedTs: publishedTs - 55,
    publishedTs,
    sentAtMs,
    width: 640,
    height: 480,
    // A busy street scene: a handful of detections, as nanodet reports them.
    detections: Array.from({ length: 6 }, (_, i) => ({
      label: i % 3 === 2 ? 'car' : 'person',
      classId: i % 3 === 2 ? 2 : 0,
      score: 0.5 + i * 0.07,
      box: [0.1 * i, 0.2, 0.1 * i + 0.08, 0.45] as [number, number, number, number],
    })),
    timings: { queueWaitMs: 5, preprocessMs: 6, inferenceMs: 42, postprocessMs: 1 },
    model: { name: 'nanodet', version: '1.0.0', sha256: 'a'.repeat(64) },
    workerId: 'bench-worker',
  };
}

async function gatewayCounters(): Promise<{ sent: number; skipped: number }> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const value = (name: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  return {
    sent: value('ei_gateway_ws_frames_sent_total'),
    skipped: value('ei_gateway_ws_frames_skipped_total'),
  };
}

/** utime + stime of a process (all its threads), in seconds. */
async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

async function redisCpuSeconds(): Promise<number> {
  const info = await redis.info('cpu');
  const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0);
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0);
  return user + sys;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
