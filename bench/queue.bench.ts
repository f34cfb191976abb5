/**
 * pnpm bench:queue — frame queue throughput and latency for each policy, against the raw
 * Redis limit measured in the same run on the same private server.
 *
 * Per policy, on a fresh private Redis:
 *   limit     `redis-benchmark -t lpush -d 50000 -n 20000`, three times (flushed after
 *             each), the median. The default 100,000 pushes grow one list to 5 GB: the
 *             first such run on a machine pays for fresh memory pages and measured 8.7k
 *             and 15.8k/s on a 2-core Xeon (DESIGN.md's 5.5-6.7k/s is such a figure),
 *             later runs 26k/s, so it is no stable yardstick. 20,000 pushes give the
 *             steady figure; the median drops a slow first run (7.2k against 21.6k/s seen).
 *   queue     one producer (frames of a real 56 KB 640x480 JPEG, up to 32 pushes in
 *             flight) and two consumers, each in its own process like real workers and
 *             kept running through the policy's phases: a warm-up, then full speed
 *             (framesPerSec = frames consumed per second), then paced at half that rate
 *             for push-to-pop latency. Producer and consumers run with the services'
 *             Node flags (SERVICE_NODE_FLAGS), as `ei produce` and `ei worker` do.
 *   cost      CPU per frame of producer, consumers and Redis (getrusage; Redis's from
 *             INFO cpu), Redis's per pushed frame too (`latest` drops frames at full speed,
 *             by design), Redis's per command from INFO commandstats (µs there are wall
 *             time inside the command; commands run by a script or EXEC count twice: on
 *             their own line and in EVAL's or EXEC's), and the bound: the frames per
 *             second the machine's cores allow at that CPU per frame.
 *   lock-step Redis CPU per frame with nothing dropped and no race between processes: in
 *             this process, rounds of one frame per stream pushed (all in flight) then
 *             taken by a FrameConsumer, against the same rounds of bare LPUSH then BLPOP
 *             of the same bytes on the same server. Steadier than the figures above on
 *             a busy machine, where `latest`'s share of dropped frames follows how much
 *             CPU the consumers get.
 * Writes bench/results/queue.json, with the load average before and after the run (other
 * work on the machine shows there).
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { promisify } from 'node:util';
import {
  createRedis,
  FrameConsumer,
  FrameQueue,
  SERVICE_NODE_FLAGS,
  waitUntilReady,
  type QueuePolicy,
  type Redis,
} from '@ei/core';
import { sampleJpeg, startPrivateRedis } from '@ei/core/testing';
import type { PhaseReport } from './queue-consumer.process.ts';

const POLICIES = (process.env.BENCH_POLICIES ?? 'fifo,latest,lossless').split(',') as QueuePolicy[];
const FULL_SPEED_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 4);
const WARMUP_SECONDS = 2;
const STREAMS = 8;
const IN_FLIGHT = 32;
/** redis-benchmark requests per limit run (see the header). */
const PUSHES = 20_000;
/** Lock-step rounds (one frame per stream each), after LOCK_STEP_WARMUP unmeasured ones. */
const LOCK_STEP_ROUNDS = Number(process.env.BENCH_LOCK_STEP_ROUNDS ?? 500);
const LOCK_STEP_WARMUP = 50;

const jpeg = sampleJpeg();
const now = (): number => performance.timeOrigin + performance.now();

const loadBefore = loadavg();
const rows = [];
for (const policy of POLICIES) {
  const server = await startPrivateRedis();
  const redis = createRedis({ url: server.url });
  try {
    await waitUntilReady(redis);
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await redisBenchmarkLpush(redis, server.port));
    const limit = percentile(
      runs.map((r) => r.perSec),
      0.5,
    );
    const lpushRedisMicros = percentile(
      runs.map((r) => r.redisMicrosPerPush),
      0.5,
    );
    console.log(
      `${policy}: redis-benchmark LPUSH 50 KB ${runs.map((r) => r.perSec.toFixed(0)).join(', ')}/s (median ${limit.toFixed(0)}), Redis CPU ${lpushRedisMicros.toFixed(1)} µs per push`,
    );
    const { full, paced } = await measureQueue(redis, server.url, policy);
    const lockStep = await lockStepMicros(redis, policy);
    console.log(
      `${policy}: lock-step Redis CPU per frame ${lockStep.queue.toFixed(1)} µs, bare LPUSH + BLPOP ${lockStep.bare.toFixed(1)} µs`,
    );
    const perFrame = full.micros;
    const row = {
      policy,
      framesPerSec: round(full.consumedPerSec),
      pushedPerSec: round(full.pushedPerSec),
      droppedPerSec: round(full.droppedPerSec),
      redisLimitPerSec: round(limit),
      ratio: round(full.consumedPerSec / limit, 3),
      // What the cores allow at this CPU per frame: producer, consumers and Redis share them.
      boundPerSec: round(
        (cpus().length * 1e6) / (perFrame.producer + perFrame.consumers + perFrame.redis),
      ),
      pacedRatePerSec: round(full.consumedPerSec / 2),
      cpuCores: full.cores,
      // Where the CPU goes per frame handed to a consumer, against Redis's own cost of one
      // LPUSH in the limit run.
      cpuMicrosPerFrame: {
        producer: round(perFrame.producer),
        consumers: round(perFrame.consumers),
        redis: round(perFrame.redis),
      },
      redisMicrosPerLpush: round(lpushRedisMicros),
      redisVsLpush: round(perFrame.redis / lpushRedisMicros, 2),
      // Per frame pushed (dropped ones included) at full speed, and per frame handed out at
      // half rate, where few are dropped.
      redisMicrosPerPush: round(full.micros.redisPerPush),
      pacedRedisMicrosPerFrame: round(paced.micros.redis),
      pacedDroppedShare: round(paced.droppedPerSec / paced.pushedPerSec, 3),
      redisCommandsPerFrame: full.commands,
      // Lock-step: Redis µs per frame pushed and taken, against a bare LPUSH + BLPOP.
      lockStepRedisMicrosPerFrame: round(lockStep.queue),
      lockStepBareRedisMicrosPerFrame: round(lockStep.bare),
      p50Ms: round(percentile(paced.latencies, 0.5), 3),
      p99Ms: round(percentile(paced.latencies, 0.99), 3),
    };
    console.log(JSON.stringify(row));
    rows.push(row);
  } finally {
    redis.disconnect();
    await server.stop();
  }
}

const loadAfter = loadavg();
console.log(
  '\npolicy    frames/s  bound/s  redis limit/s  ratio  Redis µs/frame (/push)  ÷ LPUSH  p50 ms  p99 ms (at half rate)',
);
for (const r of rows) {
  console.log(
    `${r.policy.padEnd(9)} ${String(r.framesPerSec).padStart(8)} ${String(r.boundPerSec).padStart(8)} ${String(r.redisLimitPerSec).padStart(14)} ${r.ratio.toFixed(2).padStart(6)} ${`${r.cpuMicrosPerFrame.redis} (${r.redisMicrosPerPush})`.padStart(22)} ${r.redisVsLpush.toFixed(2).padStart(8)} ${r.p50Ms.toFixed(2).padStart(7)} ${r.p99Ms.toFixed(2).padStart(7)}`,
  );
}
console.log(
  `load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
);
await writeFile(
  new URL('./results/queue.json', import.meta.url),
  JSON.stringify(
    {
      date: new Date().toISOString(),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      loadAverage: {
        before: loadBefore.map((l) => round(l, 2)),
        after: loadAfter.map((l) => round(l, 2)),
      },
      payloadBytes: jpeg.length,
      results: rows,
    },
    null,
    2,
  ) + '\n',
);
console.log('wrote bench/results/queue.json');

async function measureQueue(redis: Redis, url: string, policy: QueuePolicy) {
  const keyPrefix = `bench-${policy}:`;
  const queue = new FrameQueue({ redis, type: 'bench', policy, cap: 256, keyPrefix });
  const consumers: ChildProcess[] = [0, 1].map(() =>
    fork(new URL('./queue-consumer.process.ts', import.meta.url), [url, keyPrefix], {
      stdio: 'inherit',
      // Started like `ei worker`: with the services' Node flags.
      execArgv: [...process.execArgv, ...SERVICE_NODE_FLAGS],
    }),
  );
  try {
    await Promise.all(consumers.map((c) => new Promise((resolve) => c.once('message', resolve))));
    await phase(redis, queue, consumers, undefined, WARMUP_SECONDS);
    const full = await phase(redis, queue, consumers, undefined, FULL_SPEED_SECONDS);
    const paced = await phase(redis, queue, consumers, full.consumedPerSec / 2, PACED_SECONDS);
    return { full, paced };
  } finally {
    for (const c of consumers) c.send('stop');
    await Promise.all(
      consumers.map(
        (c) =>
          new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.once('exit', resolve))),
      ),
    );
    await queue.close();
  }
}

/** Redis CPU µs per frame in lock-step rounds: the policy's queue, and bare LPUSH + BLPOP. */
async function lockStepMicros(redis: Redis, policy: QueuePolicy) {
  const keyPrefix = `lock-step-${policy}:`;
  const queue = new FrameQueue({ redis, type: 'bench', policy, cap: 256, keyPrefix });
  const consumer = new FrameConsumer({ redis, type: 'bench', keyPrefix });
  const blocking = redis.duplicate();
  const bareKey = `${keyPrefix}bare`;
  const rounds = async (count: number, round: (seq: number) => Promise<void>) => {
    for (let seq = 0; seq < LOCK_STEP_WARMUP; seq++) await round(seq);
    const before = await redisCpuSeconds(redis);
    for (let seq = 0; seq < count; seq++) await round(seq);
    return (((await redisCpuSeconds(redis)) - before) / (count * STREAMS)) * 1e6;
  };
  try {
    await waitUntilReady(blocking);
    const queued = await rounds(LOCK_STEP_ROUNDS, async (seq) => {
      await Promise.all(
        Array.from({ length: STREAMS }, (_, s) =>
          queue.push({ ...benchFrame(seq), streamId: `s${s}` }),
        ),
      );
      for (let s = 0; s < STREAMS; s++) {
        if (!(await consumer.pop(5000))) throw new Error(`${policy}: lock-step frame lost`);
      }
    });
    const bare = await rounds(LOCK_STEP_ROUNDS, async () => {
      await Promise.all(Array.from({ length: STREAMS }, () => redis.lpush(bareKey, jpeg)));
      for (let s = 0; s < STREAMS; s++) await blocking.blpopBuffer(bareKey, 5);
    });
    return { queue: queued, bare };
  } finally {
    await consumer.close();
    await queue.clear();
    await queue.close();
    blocking.disconnect();
  }
}

function benchFrame(seq: number) {
  return {
    streamId: `s${seq % STREAMS}`,
    type: 'bench',
    seq,
    captureTs: now(),
    width: 640,
    height: 480,
    encoding: 'jpeg' as const,
    data: jpeg,
  };
}

/** Pushes for `seconds` (at `ratePerSec`, or as fast as it goes) and collects the consumers' reports. */
async function phase(
  redis: Redis,
  queue: FrameQueue,
  consumers: ChildProcess[],
  ratePerSec: number | undefined,
  seconds: number,
) {
  await queue.clear();
  const commandsBefore = await commandStats(redis);
  const redisCpuBefore = await redisCpuSeconds(redis);
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
    const frame = benchFrame(seq);
    seq += 1;
    const pushing = queue.push(frame).finally(() => inFlight.delete(pushing));
    inFlight.add(pushing);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const pushedElapsed = (now() - started) / 1000;
  const producerCpu = process.cpuUsage(producerCpuBefore);
  const reports = await Promise.all(
    consumers.map(
      (c) =>
        new Promise<PhaseReport>((resolve) => {
          c.once('message', (report) => resolve(report as PhaseReport));
          c.send('report');
        }),
    ),
  );
  // After the consumers drained the queue: the pops of the last frames count too.
  const redisCpu = (await redisCpuSeconds(redis)) - redisCpuBefore;
  const commandsAfter = await commandStats(redis);
  const stats = await queue.stats();
  const consumed = reports.reduce((sum, r) => sum + r.count, 0);
  if (consumed !== stats.popped) {
    throw new Error(`consumers counted ${consumed} frames, the queue handed out ${stats.popped}`);
  }
  const lastAt = Math.max(...reports.map((r) => r.lastAt));
  const commands: Record<string, { callsPerFrame: number; microsPerFrame: number }> = {};
  for (const [name, after] of commandsAfter) {
    if (name === 'info') continue;
    const before = commandsBefore.get(name) ?? { calls: 0, usec: 0 };
    const calls = after.calls - before.calls;
    if (calls === 0) continue;
    commands[name] = {
      callsPerFrame: round(calls / consumed, 2),
      microsPerFrame: round((after.usec - before.usec) / consumed, 1),
    };
  }
  const cpuSeconds = {
    producer: (producerCpu.user + producerCpu.system) / 1e6,
    consumers: reports.reduce((sum, r) => sum + r.cpuSeconds, 0),
    redis: redisCpu,
  };
  const perFrame = (seconds: number, frames: number): number => (seconds / frames) * 1e6;
  return {
    commands,
    consumedPerSec: consumed / ((lastAt - started) / 1000),
    pushedPerSec: stats.pushed / pushedElapsed,
    droppedPerSec: stats.dropped / pushedElapsed,
    latencies: reports.flatMap((r) => r.latencies),
    // CPU used per second of the run, in cores: producer, both consumers, Redis.
    cores: {
      producer: round(cpuSeconds.producer / pushedElapsed, 2),
      consumers: round(cpuSeconds.consumers / pushedElapsed, 2),
      redis: round(cpuSeconds.redis / pushedElapsed, 2),
    },
    // CPU µs per frame handed to a consumer, and Redis's per frame pushed.
    micros: {
      producer: perFrame(cpuSeconds.producer, consumed),
      consumers: perFrame(cpuSeconds.consumers, consumed),
      redis: perFrame(cpuSeconds.redis, consumed),
      redisPerPush: perFrame(cpuSeconds.redis, stats.pushed),
    },
  };
}

/** `INFO commandstats`: calls and µs spent per command (commands run by scripts included). */
async function commandStats(redis: Redis): Promise<Map<string, { calls: number; usec: number }>> {
  const info = await redis.info('commandstats');
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    stats.set(match[1]!, { calls: Number(match[2]), usec: Number(match[3]) });
  }
  return stats;
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0);
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0);
  return user + sys;
}

/** One redis-benchmark LPUSH run: pushes per second and Redis's CPU per push. */
async function redisBenchmarkLpush(
  redis: Redis,
  port: number,
): Promise<{ perSec: number; redisMicrosPerPush: number }> {
  const cpuBefore = await redisCpuSeconds(redis);
  const { stdout } = await promisify(execFile)(
    'redis-benchmark',
    ['-p', String(port), '-t', 'lpush', '-d', '50000', '-n', String(PUSHES), '-q'],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const redisCpu = (await redisCpuSeconds(redis)) - cpuBefore;
  const match = /LPUSH: ([\d.]+) requests per second/.exec(stdout);
  if (!match) throw new Error(`cannot read redis-benchmark output: ${stdout}`);
  await promisify(execFile)('redis-cli', ['-p', String(port), 'FLUSHALL']);
  return { perSec: Number(match[1]), redisMicrosPerPush: (redisCpu / PUSHES) * 1e6 };
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
