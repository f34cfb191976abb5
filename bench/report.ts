/**
 * Writes docs/performance.md from bench/results/*.json: one table per benchmark, with the
 * machine, the date and the commit; and the figures other docs quote (bench/doc-tables.ts). `pnpm bench` runs it last; `pnpm bench:report` alone
 * rebuilds the page from the results already there.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import {
  generatedBlocks,
  markdownTable as table,
  readResult as read,
  withGenerated,
} from './doc-tables.js';

const out = new URL('../docs/performance.md', import.meta.url);

type Json = Record<string, unknown>;
const yes = (ok: unknown) => (ok ? 'met' : '**not met**');
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();

const sections: string[] = [];

const queue = read('queue');
if (queue) {
  const rows = queue.results as Json[];
  const cores = Number(queue.cpus ?? cpus().length);
  const loadAverage = queue.loadAverage as Json | undefined;
  const load = (l: unknown) => (l as number[] | undefined)?.join(' ') ?? '–';
  const perFrame = (r: Json) => r.cpuMicrosPerFrame as Json;
  // Frames per second the cores allow at the CPU per frame measured (older results
  // carry only the per-frame figures).
  const boundOf = (r: Json) =>
    Number(
      r.boundPerSec ??
        (cores * 1e6) /
          (Number(perFrame(r).producer) +
            Number(perFrame(r).consumers) +
            Number(perFrame(r).redis)),
    );
  const times = (x: unknown) =>
    typeof x === 'number' && Number.isFinite(x) ? `${x.toFixed(2)}×` : '–';
  const vsLpush = (micros: unknown, r: Json) =>
    typeof micros === 'number' ? times(micros / Number(r.redisMicrosPerLpush)) : '–';
  const fifo = rows.find((r) => r.policy === 'fifo');
  const latest = rows.find((r) => r.policy === 'latest');
  const targets: unknown[][] = [];
  if (fifo) {
    // A target the cores cannot reach at this CPU per frame is shown as such, with the
    // bound, never as "not met".
    const wanted = 0.7 * Number(fifo.redisLimitPerSec);
    const bound = boundOf(fifo);
    targets.push([
      '`fifo` frames/s ≥ 0.7 × redis-benchmark LPUSH/s',
      `${fifo.framesPerSec}/s (${fifo.ratio}×)`,
      `${Math.round(bound)}/s (${(bound / Number(fifo.redisLimitPerSec)).toFixed(2)}×)`,
      wanted > bound
        ? `out of reach here: the bound is ${pct(bound / wanted)} of ${Math.round(wanted)}/s; measured ${pct(Number(fifo.framesPerSec) / bound)} of the bound`
        : yes(Number(fifo.framesPerSec) >= wanted),
    ]);
  }
  if (latest) {
    // A frame queued costs a push; a frame handed out costs its push and its take, so it is
    // set against a bare LPUSH + BLPOP of the same bytes, in the same lock-step rounds.
    const queued = Number(latest.redisMicrosPerPush) / Number(latest.redisMicrosPerLpush);
    const handedOut =
      Number(latest.lockStepRedisMicrosPerFrame) / Number(latest.lockStepBareRedisMicrosPerFrame);
    targets.push(
      [
        '`latest`: Redis CPU per frame queued ≤ 2 × a bare LPUSH',
        `${times(queued)} per frame pushed at full speed`,
        'a ratio of Redis CPU: no bound from the cores',
        Number.isFinite(queued) ? yes(queued <= 2) : '–',
      ],
      [
        '`latest`: Redis CPU per frame handed out ≤ 2 × a bare LPUSH + BLPOP',
        `${times(handedOut)} in lock-step; at full speed ${vsLpush(perFrame(latest).redis, latest)} a bare LPUSH, with the pushes of the frames dropped by design (${latest.droppedPerSec} of ${latest.pushedPerSec}/s)`,
        'a ratio of Redis CPU: no bound from the cores',
        Number.isFinite(handedOut) ? yes(handedOut <= 2) : '–',
      ],
    );
  }
  targets.push([
    'push → pop p99 < 5 ms at half rate',
    rows.map((r) => `${r.policy} ${r.p99Ms}`).join(', '),
    '–',
    yes(rows.every((r) => Number(r.p99Ms) < 5)),
  ]);
  const commands = latest?.redisCommandsPerFrame as
    Record<string, { callsPerFrame: number; microsPerFrame: number }> | undefined;
  sections.push(`## Frame queue (\`pnpm bench:queue\`, ${String(queue.date).slice(0, 10)})

One producer, two consumer processes (warm: they run through a warm-up, the full-speed and
the paced phase), ${queue.payloadBytes} B JPEG frames, with the services' Node flags
(\`--single-threaded-gc\`). The limit is \`redis-benchmark -t lpush -d 50000 -n 20000\` on
the same private server in the same run, median of three: LPUSH alone, from a C client,
already keeps both cores busy, while a queued frame crosses loopback twice and is handled
by Node on both ends. (The default 100,000 pushes grow a 5 GB list; the first such run on a
machine pays for fresh memory pages: 8.7k and 15.8k/s, later ones 26k/s, on a 2-core Xeon,
and DESIGN.md's 5.5-6.7k/s is such a first-run figure. Even 20,000 pushes can start slow on
a fresh machine, hence the median.) Latency is push→pop at half the maximum rate. Load
average of the machine (1, 5, 15 min) before the run ${load(loadAverage?.before)}, after
${load(loadAverage?.after)}: other work on the ${cores} cores shows there.

The bound is what the ${cores} cores allow at the CPU per frame measured: ${cores} s of CPU
per second over producer + consumers + Redis µs per frame. At full speed \`latest\` drops
by design (the producer pushes each stream's frames back to back, faster than the workers
take them; the newest wins), so its Redis CPU is also given per frame pushed, per frame
handed out at half rate, where few frames are dropped, and in lock-step, where none are.

${table(
  [
    'policy',
    'frames/s',
    'bound/s',
    'of bound',
    'pushed/s',
    'dropped/s',
    'LPUSH/s',
    'ratio',
    'p50 / p99 ms',
    'CPU µs per frame producer/consumers/redis',
  ],
  rows.map((r) => {
    const f = perFrame(r);
    return [
      r.policy,
      r.framesPerSec,
      Math.round(boundOf(r)),
      pct(Number(r.framesPerSec) / boundOf(r)),
      r.pushedPerSec,
      r.droppedPerSec,
      r.redisLimitPerSec,
      r.ratio,
      `${r.p50Ms} / ${r.p99Ms}`,
      `${f.producer}/${f.consumers}/${f.redis}`,
    ];
  }),
)}

Redis's CPU per frame against its own CPU per bare LPUSH of the same size (in the limit
runs of the same server). Lock-step: rounds of one frame per stream pushed, then all taken,
in one process, so nothing is dropped and no process waits for CPU another one holds:
the steadiest figure on a busy machine, against the same rounds of bare LPUSH + BLPOP.

${table(
  [
    'policy',
    'Redis µs per frame handed out',
    'per frame pushed',
    'per frame at half rate',
    'per bare LPUSH',
    '÷ LPUSH: handed out / pushed / half rate',
    'lock-step / bare LPUSH + BLPOP',
  ],
  rows.map((r) => [
    r.policy,
    perFrame(r).redis,
    r.redisMicrosPerPush ?? '–',
    r.pacedRedisMicrosPerFrame ?? '–',
    r.redisMicrosPerLpush,
    `${vsLpush(perFrame(r).redis, r)} / ${vsLpush(r.redisMicrosPerPush, r)} / ${vsLpush(r.pacedRedisMicrosPerFrame, r)}`,
    r.lockStepRedisMicrosPerFrame === undefined
      ? '–'
      : `${r.lockStepRedisMicrosPerFrame} / ${r.lockStepBareRedisMicrosPerFrame} µs (${times(Number(r.lockStepRedisMicrosPerFrame) / Number(r.lockStepBareRedisMicrosPerFrame))})`,
  ]),
)}
${
  commands
    ? `
Where Redis's time goes for \`latest\` at full speed, per frame handed out (\`INFO commandstats\`:
calls, and wall µs inside the command; a command run by EXEC or a script counts in its own
line and again in EXEC's or EVAL's; the rest of Redis's CPU is reading and writing sockets):
${Object.entries(commands)
  .sort(([, a], [, b]) => b.microsPerFrame - a.microsPerFrame)
  .map(([name, c]) => `${name} ${c.callsPerFrame}× ${c.microsPerFrame} µs`)
  .join(', ')}.
`
    : ''
}
${table(['target', 'measured', 'bound on this machine', 'status'], targets)}`);
}

const models = read('models');
if (models) {
  sections.push(`## Models (\`pnpm bench:models\`, ${String(models.date).slice(0, 10)})

One inference, median, onnxruntime-node against the original TensorFlow.js graph on the
pure-JS CPU backend.

${table(
  ['model', 'input', 'ORT 1 thread ms', 'ORT 2 threads ms', 'TF.js CPU ms'],
  (models.results as Json[]).map((r) => [
    r.model,
    r.input,
    r.ortThreads1Ms,
    r.ortThreads2Ms,
    r.tfjsCpuMs,
  ]),
)}`);
}

const worker = read('worker');
if (worker) {
  sections.push(`## Worker (\`pnpm bench:worker\`, ${String(worker.date).slice(0, 10)})

\`ei worker\` on a queue that never runs dry (${worker.frame}) against bare \`session.run\`
of the same model, one intra-op thread. Target: ≥ 0.95 of the model's own speed.

${table(
  ['model', 'model fps', 'worker fps', 'ratio', 'RSS MB', 'model on main thread: fps (ratio)'],
  (worker.results as Json[]).map((r) => [
    r.model,
    r.pureFps,
    r.workerFps,
    r.ratio,
    r.rssMB,
    `${r.mainThreadWorkerFps} (${r.mainThreadRatio})`,
  ]),
)}`);
}

const producer = read('producer');
if (producer) {
  const per = producer.perStream as Json;
  const stream = producer.stream as Json;
  sections.push(`## Producer (\`pnpm bench:producer\`, ${String(producer.date).slice(0, 10)})

Per ${stream.width}x${stream.height} stream at ${stream.fps} fps: ${per.nodePercentOfCore} % of a
core in Node and ${per.ffmpegPercentOfCore} % in its ffmpeg; ${producer.maxStreamsAtFullRate}
streams at full rate in one process (limited by ${producer.limitedBy}).`);
}

const gateway = read('gateway');
if (gateway) {
  const rows = gateway.results as Json[];
  sections.push(`## Gateway (\`pnpm bench:gateway\`, ${String(gateway.date).slice(0, 10)})

Results of 16 streams × 15 fps with ${gateway.payloadBytes} B frames published through the
result bus, relayed to websocket clients. Targets: p99 < 10 ms, gateway < 50 % of one core.

${table(
  [
    'streams × fps',
    'clients',
    'delivered / expected',
    'skipped',
    'p50 ms',
    'p99 ms',
    'gateway CPU (cores)',
  ],
  rows.map((r) => [
    `${r.streams} × ${r.fps}`,
    r.clients,
    `${r.delivered} / ${r.expected}`,
    r.skipped,
    r.p50Ms,
    r.p99Ms,
    r.gatewayCpu,
  ]),
)}`);
}

const dashboard = read('dashboard');
if (dashboard) {
  const js = dashboard.js as Json;
  const main = dashboard.mainThread as Json;
  const frames = dashboard.frames as Json;
  const memory = dashboard.memory as Json;
  const load = dashboard.load as Json;
  const heap = memory.growth as Json;
  sections.push(`## Dashboard (\`pnpm bench:dashboard\`, ${String(dashboard.date).slice(0, 10)})

${load.streams} streams × ${load.fps} fps of live results through the real gateway into
headless Chromium (${dashboard.browser}), ${load.minutes} minutes.

${table(
  ['budget', 'measured', 'status'],
  [
    ['gzipped JS < 200 KB', `${((js.gzipBytes as number) / 1024).toFixed(1)} KB`, yes(js.met)],
    ['main thread busy < 50 %', pct(main.busyShare as number), yes(main.met)],
    [
      'no memory growth (< 10 %)',
      `JS heap ${pct(heap.jsHeapUsed as number)}, DOM nodes ${pct(heap.nodes as number)}`,
      yes(memory.met),
    ],
  ],
)}

Frames painted: ${frames.paintedPerSecond}/s (${frames.paintedPerTilePerSecond} per tile) of
${frames.publishedPerSecond}/s published; the gateway skipped ${frames.skippedByGatewayPerSecond}/s
for the page's connection under backpressure.`);
}

const e2e = read('e2e');
if (e2e) {
  const load = e2e.load as Json[];
  const policies = e2e.policies as Json[];
  const scaling = e2e.scaling as Json;
  const memory = e2e.memory as Json;
  const targets = e2e.targets as Json;
  const ms = (p: unknown) => (p ? `${(p as Json).p50} / ${(p as Json).p99}` : '–');
  const cpu = (c: unknown) => {
    const x = c as Json;
    return `${x.producer}/${x.workers}/${x.gateway}/${x.redis}/${x.client}`;
  };
  const accounted = (a: unknown) => {
    const x = a as Json;
    return `${x.produced} = ${x.inferred} + ${x.dropped} (${x.balanced ? 'exact' : 'OFF'})`;
  };
  sections.push(`## End to end (\`pnpm bench:e2e\`, ${String(e2e.date).slice(0, 10)})

${e2e.clip}; ${e2e.model}; gateway; one websocket client. One worker's capacity under
overload: **${e2e.capacityFps} fps** (inference p50 ${e2e.inferenceMs} ms). Latency is capture
(the producer's timestamp) to receipt by the client; latency − inference is that minus the
frame's own model run, per frame: what the platform adds. Age is capture to dequeue by a
worker.

${table(
  [
    'load',
    'streams × fps',
    'offered fps',
    'delivered fps',
    'dropped',
    'latency p50 / p99 ms',
    'inference p50 / p99 ms',
    'latency − inference p50 / p99 ms',
    'age p50 / p99 ms',
    'relay p50 / p99 ms',
    'CPU cores producer/workers/gateway/redis/client',
    'produced = inferred + dropped',
  ],
  load.map((l) => [
    `${l.level}×`,
    `${l.streams} × ${l.streamFps}`,
    l.offeredFps,
    l.deliveredFps,
    pct(l.dropRate as number),
    ms(l.latencyMs),
    ms((l.stagesMs as Json | undefined)?.inference),
    ms(l.overheadMs),
    ms(l.ageMs),
    ms((l.stagesMs as Json | undefined)?.relay),
    cpu(l.cpu),
    accounted(l.accounting),
  ]),
)}

With \`latest\`, a stream's newest frame is as old as the time since that stream's last frame,
so the age under overload follows the longest gap between a stream's frames. Streams of the
tables above take 15 fps or less from the ${(e2e.clipRate as Json | undefined)?.streamFps ?? '–'} fps clip, which leaves gaps of one or two
clip frames (42 or 83 ms); the same overload with every stream at the clip's own rate
(regular 42 ms gaps, fewer streams, a little over 3× as whole streams):

${table(
  [
    'load',
    'streams × fps',
    'delivered fps',
    'dropped',
    'latency p50 / p99 ms',
    'age p50 / p99 ms',
    'produced = inferred + dropped',
  ],
  (((e2e.clipRate as Json | undefined)?.load as Json[] | undefined) ?? []).map((l) => [
    `${l.level}×`,
    `${l.streams} × ${l.streamFps}`,
    l.deliveredFps,
    pct(l.dropRate as number),
    ms(l.latencyMs),
    ms(l.ageMs),
    accounted(l.accounting),
  ]),
)}

Policies under the same 3× overload:

${table(
  [
    'policy',
    'delivered fps',
    'age at inference p50 / p99 ms',
    'latency p50 / p99 ms',
    'fairness (Jain index)',
    'least / most served stream',
  ],
  policies.map((p) => [
    p.policy,
    p.deliveredFps,
    ms(p.ageMs),
    ms(p.latencyMs),
    (p.fairness as Json).jain,
    (p.fairness as Json).minOverMax,
  ]),
)}

Scaling on the two cores: one single-threaded worker ${scaling.oneWorkerFps} fps, two
${scaling.twoWorkersFps} fps: **${scaling.ratio}×**.

Memory over ${memory.minutes} minutes at 1× (${memory.loadFps} fps):

${table(
  ['service', 'RSS after warm-up MB', 'RSS at end MB', 'max MB', 'growth'],
  (memory.services as Json[]).map((s) => [
    s.name,
    s.afterWarmUpMB,
    s.endMB,
    s.maxMB,
    pct(s.growth as number),
  ]),
)}

${table(
  ['target', 'status'],
  [
    ['0.5×: latency p99 ≤ inference p50 + 25 ms', yes(targets.halfLoadP99WithinInferencePlus25Ms)],
    [
      '0.5×: per frame, latency − its own inference ≤ 25 ms at p99',
      targets.halfLoadOverheadP99Within25Ms === undefined
        ? '–'
        : yes(targets.halfLoadOverheadP99Within25Ms),
    ],
    ['3× with `latest`: age p99 < 2 × inference', yes(targets.overloadAgeP99Below2xInference)],
    [
      '3× with `latest`, streams at the clip rate: age p99 < 2 × inference',
      targets.overloadAtClipRateAgeP99Below2xInference === undefined
        ? '–'
        : yes(targets.overloadAtClipRateAgeP99Below2xInference),
    ],
    ['every frame accounted for', yes(targets.everyFrameAccounted)],
    ['2 workers ≥ 1.8 × 1 worker', yes(targets.scalingAtLeast1_8x)],
    ['RSS growth < 10 % after warm-up', yes(targets.memoryGrowthBelow10Percent)],
  ],
)}`);
}

const page = `# Performance

Generated by \`pnpm bench\` (\`bench/report.ts\`) from \`bench/results/*.json\`; do not edit by
hand. Each benchmark states what it measures in the header of its file in \`bench/\`.

Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB,
Node ${process.version}, Linux. Written ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC at
commit \`${commit}\` (the results carry their own dates).

${sections.join('\n\n')}
`;
writeFileSync(out, page);
console.log('wrote docs/performance.md');

// The figures other docs quote, between their generated markers.
for (const block of generatedBlocks()) {
  const file = new URL(`../${block.doc}`, import.meta.url);
  writeFileSync(file, withGenerated(readFileSync(file, 'utf8'), block.name, block.content));
  console.log(`wrote the ${block.name} figures of ${block.doc}`);
}
