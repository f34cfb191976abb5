/**
 * pnpm bench:worker — how close the worker service comes to the model's own speed.
 *
 * Per model (same model file, same single intra-op thread):
 *   pureFps   bare session.run on one pre-processed tensor, back to back: the limit;
 *   workerFps `ei worker` as a child process on a saturated queue of real 768x576 JPEG
 *             frames (a lossless queue kept full), results counted on the result bus;
 *   rssMB     the worker process's resident memory at the end of the run.
 * The worker runs once with the model on its own thread (the default) and once on the
 * main thread, to show which placement is faster. Writes bench/results/worker.json.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import {
  createRedis,
  FrameQueue,
  ResultBus,
  StreamRegistry,
  waitUntilReady,
  freePort,
} from '@ei/core';
import { startPrivateRedis } from '@ei/core/testing';
import { loadDetector } from '@ei/detection';
import { defaultModelsDirectory } from '@ei/models';
import { prepareModels } from '@ei/models/build';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 3;
const CASES = [
  { type: 'people', model: 'nanodet' },
  { type: 'face', model: 'blazeface' },
] as const;
const CLI = new URL('../services/cli/bin/ei.js', import.meta.url).pathname;
const fixtures = new URL('../services/worker/src/fixtures/', import.meta.url);

await prepareModels({ modelsDir: defaultModelsDirectory() });
const jpegs = await Promise.all(
  ['vtest-1s.jpg', 'vtest-4s.jpg', 'vtest-7s.jpg', 'vtest-10s.jpg'].map((f) =>
    readFile(new URL(f, fixtures)),
  ),
);
const server = await startPrivateRedis();
const redis = createRedis({ url: server.url });
await waitUntilReady(redis);

const rows = [];
for (const { type, model } of CASES) {
  const pureFps = await pureRate(model);
  const thread = await workerRun(type, 'thread');
  const caller = await workerRun(type, 'caller');
  const row = {
    model,
    threads: 1,
    pureFps: round(pureFps),
    workerFps: round(thread.fps),
    ratio: round(thread.fps / pureFps, 3),
    rssMB: round(thread.rssMB),
    mainThreadWorkerFps: round(caller.fps),
    mainThreadRatio: round(caller.fps / pureFps, 3),
  };
  console.log(JSON.stringify(row));
  rows.push(row);
}
console.log('\nmodel      pure fps  worker fps  ratio  RSS MB  (model on main thread: fps, ratio)');
for (const r of rows) {
  console.log(
    `${r.model.padEnd(10)} ${String(r.pureFps).padStart(8)} ${String(r.workerFps).padStart(11)} ${r.ratio.toFixed(3).padStart(6)} ${String(r.rssMB).padStart(7)}  (${r.mainThreadWorkerFps}, ${r.mainThreadRatio.toFixed(3)})`,
  );
}
await writeFile(
  new URL('./results/worker.json', import.meta.url),
  JSON.stringify(
    {
      date: new Date().toISOString(),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      frame: '768x576 JPEG',
      results: rows,
    },
    null,
    2,
  ) + '\n',
);
console.log('wrote bench/results/worker.json');
redis.disconnect();
await server.stop();

/** Back-to-back session.run on one tensor, one intra-op thread, on this thread. */
async function pureRate(model: string): Promise<number> {
  const detector = await loadDetector(model, defaultModelsDirectory(), { intraOpThreads: 1 });
  const input = await detector.preprocess(jpegs[0]!);
  for (let i = 0; i < 5; i++) await detector.infer(input);
  let runs = 0;
  const started = performance.now();
  while (performance.now() - started < SECONDS * 1000) {
    await detector.infer(input);
    runs += 1;
  }
  const fps = runs / ((performance.now() - started) / 1000);
  await detector.close();
  return fps;
}

/** `ei worker` on a queue that never runs dry; frames per second over SECONDS. */
async function workerRun(
  type: string,
  runOn: 'thread' | 'caller',
): Promise<{ fps: number; rssMB: number }> {
  const keyPrefix = `bench-${type}-${runOn}:`;
  const queue = new FrameQueue({ redis, type, policy: 'lossless', cap: 16, keyPrefix });
  await new StreamRegistry({ redis, keyPrefix, ttlMs: 600_000 }).announce({
    id: 'bench',
    type,
    source: 'bench',
    state: 'live',
    host: 'bench',
  });
  const bus = new ResultBus({ redis, keyPrefix });
  let published = 0;
  const subscription = await bus.subscribe(['bench'], () => {
    published += 1;
  });
  const metricsPort = await freePort();
  const child = spawn(
    process.execPath,
    [CLI, 'worker', '--type', type, '--run-on', runOn, '--metrics-port', String(metricsPort)],
    {
      env: { ...process.env, REDIS_URL: server.url, EI_KEY_PREFIX: keyPrefix, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const feeding = new AbortController();
  const feeder = (async () => {
    for (let seq = 0; !feeding.signal.aborted; seq++) {
      const data = jpegs[seq % jpegs.length]!;
      await queue
        .push(
          {
            streamId: 'bench',
            type,
            seq,
            captureTs: Date.now(),
            width: 768,
            height: 576,
            encoding: 'jpeg',
            data,
          },
          { signal: feeding.signal },
        )
        .catch(() => undefined);
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, WARMUP_SECONDS * 1000));
  const before = published;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const fps = (published - before) / ((performance.now() - started) / 1000);
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
  const rssMB = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  feeding.abort();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  await feeder;
  await subscription.close();
  await queue.clear();
  await queue.close();
  return { fps, rssMB };
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
